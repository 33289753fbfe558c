"""Fields sealed together: several encrypted fields of a row stored as one AEAD message.

A patient's list row shows six encrypted values. Sealed one by one, each value costs one
AES-GCM call, and the calls alone put a page of 50 patients at about 1.3-1.5x the
plaintext page (bench/RESULTS.md). Fields that are always read together are therefore
sealed together, in one column:

    personal = SealedFields()
    last_name = EncryptedTextField(max_length=150, sealed_in="personal")

The ciphertext is the envelope of every other encrypted field (version | key id | nonce |
AES-256-GCM), with aad = clinic | table | the sealing column; the plaintext is a JSON object
of the members' values. Members keep everything else a field has: a name, a verbose name,
validation, blind indexes (`BlindIndexField(source="last_name")`) and plain attribute access.
They have no column of their own, so they cannot be filtered on, ordered by or selected
with values(); `.only("last_name")` and `save(update_fields=["last_name"])` are translated
to the sealing column.

On load the sealing column's values are spread into the instance's __dict__, so reading a
member is a plain attribute read; on save they are gathered again and sealed.
"""
import datetime
import functools

import orjson
from django.core.exceptions import FieldDoesNotExist, FieldError, ImproperlyConfigured
from django.db.models.query_utils import DeferredAttribute

from klinika.crypto import envelope
from klinika.crypto.errors import KeyDestroyed
from klinika.crypto.fields import ERASED, Ciphertext, EncryptedDateField, EncryptedField


class SealedFields(EncryptedField):
    """The column that holds its members' values, sealed as one message."""

    description = "Encrypted fields sealed together"

    def __init__(self, *args, **kwargs):
        kwargs["editable"] = False
        kwargs["blank"] = True
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        for fixed in ("editable", "blank"):
            kwargs.pop(fixed, None)
        return name, path, args, kwargs

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        setattr(cls, self.attname, _SealedDescriptor(self))

    _members = None

    @property
    def members(self) -> tuple:
        if self._members is None:  # the model's fields are all known only once the class is built
            members = tuple(f for f in self.model._meta.fields if getattr(f, "sealed_in", None) == self.name)
            self._dates = tuple(f.attname for f in members if isinstance(f, EncryptedDateField))
            self.attnames = tuple(f.attname for f in members)
            self.blank_values = dict.fromkeys(self.attnames)
            self._members = members
        return self._members

    def member_values(self, instance) -> dict:
        """The members' current values (refreshing the column first if it was deferred)."""
        values = instance.__dict__
        if self.attname not in values:
            instance.refresh_from_db(fields=[self.attname])
        return {f.attname: values.get(f.attname) for f in self.members}

    def pre_save(self, model_instance, add):
        values = self.member_values(model_instance)
        if any(value is ERASED for value in values.values()):
            raise KeyDestroyed(f"{self.model.__name__}.{self.name} was erased and cannot be saved again")
        payload = {}
        for field in self.members:
            value = values[field.attname]
            if value is not None:
                payload[field.attname] = field.to_json(field.to_python(value))
        if not payload:
            return None
        return seal(payload, model_instance.clinic_id, model_instance.encryption_subject_ref(), self.aad_suffix)

    def from_bytes(self, data: bytes) -> dict:
        values = orjson.loads(data)  # a list page parses one of these per row: 5x faster than json
        self.members  # noqa: B018 -- computes _dates on first use
        for name in self._dates:
            if (value := values.get(name)) is not None:
                values[name] = datetime.date.fromisoformat(value)
        return values


def seal(payload: dict, clinic_id, subject_ref, aad_suffix: bytes) -> Ciphertext:
    """The stored form of a SealedFields value: `payload` maps member names to JSON values."""
    plaintext = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
    return Ciphertext(envelope.encrypt(plaintext, envelope.write_key(clinic_id, subject_ref), aad_suffix))


class _SealedDescriptor(DeferredAttribute):
    """Reads gather the members; writes (a load from the database) spread them."""

    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        return self.field.member_values(instance)

    def __set__(self, instance, value):
        values = instance.__dict__
        field = self.field
        field.members  # noqa: B018 -- computes attnames and blank_values on first use
        if value is ERASED:
            values.update(dict.fromkeys(field.attnames, ERASED))
        else:
            values.update(field.blank_values)  # members absent from the payload are empty
            if value:
                values.update(value)
        values[field.attname] = True  # loaded: the members hold the values


class _MemberDescriptor:
    """Only reached while the member is not in the instance's __dict__: its column was deferred."""

    def __init__(self, field):
        self.field = field

    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        return self.field.sealing_field.member_values(instance)[self.field.attname]


def contribute_member(field, cls, name):
    """For EncryptedField.contribute_to_class, when a field is sealed in another."""
    try:
        sealing = cls._meta.get_field(field.sealed_in)
    except FieldDoesNotExist:
        sealing = None
    if not isinstance(sealing, SealedFields):
        raise ImproperlyConfigured(
            f"{cls.__name__}.{name}: sealed_in={field.sealed_in!r} must name a SealedFields declared above it")
    setattr(cls, field.attname, _MemberDescriptor(field))


def refuse_column_use(field):
    raise FieldError(
        f"{field.model.__name__}.{field.name} is sealed in {field.model.__name__}.{field.sealed_in} and has no "
        "column: load the instances (or .only() it) and read the attribute; search through its blind index")


@functools.cache
def _sealing_columns(model) -> dict:
    return {f.name: f.sealed_in for f in model._meta.fields if getattr(f, "sealed_in", None)}


def translate_names(model, names) -> list:
    """Member names to their sealing column's (for only(), defer() and save(update_fields=...))."""
    sealed = _sealing_columns(model)
    if not sealed:
        return list(names)
    result = []
    for name in names:
        name = sealed.get(name, name)
        if name not in result:
            result.append(name)
    return result

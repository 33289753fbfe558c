"""Model fields that store ciphertext and hand the application plaintext.

Encrypt on save with the row's subject key (model.encryption_subject_ref()) or the
clinic DEK; decrypt on load with whichever key the ciphertext names. Encrypted columns
accept no lookups but `isnull`: search goes through a BlindIndexField.
"""
import datetime
import json

from django import forms
from django.core.exceptions import FieldError
from django.db import models

from klinika.crypto import blind, envelope
from klinika.crypto.errors import KeyDestroyed


class _Erased:
    """What a value reads as once its key was crypto-shredded."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __str__(self):
        from django.utils.translation import gettext

        return gettext("[erased]")

    def __repr__(self):
        return "ERASED"

    def __bool__(self):
        return False


ERASED = _Erased()


class EncryptedField(models.Field):
    empty_strings_allowed = True

    def __init__(self, *args, sealed_in: str | None = None, **kwargs):
        # sealed_in names a SealedFields of the model that stores this field's value (crypto/sealed.py)
        self.sealed_in = sealed_in
        kwargs.setdefault("null", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.sealed_in:
            kwargs["sealed_in"] = self.sealed_in
        return name, path, args, kwargs

    def get_internal_type(self):
        return "BinaryField"

    def get_attname_column(self):
        attname, column = super().get_attname_column()
        return attname, None if self.sealed_in else column

    def db_type(self, connection):
        return None if self.sealed_in else super().db_type(connection)

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        self._suffix = None
        if self.sealed_in:
            from klinika.crypto.sealed import contribute_member

            contribute_member(self, cls, name)

    @property
    def sealing_field(self):
        return self.model._meta.get_field(self.sealed_in)

    def get_col(self, alias, output_field=None):
        if self.sealed_in:
            from klinika.crypto.sealed import refuse_column_use

            refuse_column_use(self)
        return super().get_col(alias, output_field)

    @property
    def aad_suffix(self) -> bytes:
        if self._suffix is None:
            self._suffix = envelope.aad_suffix(self.model._meta.db_table, self.column)
        return self._suffix

    # Subclasses convert between Python values and bytes.
    def to_bytes(self, value) -> bytes:
        raise NotImplementedError

    def from_bytes(self, data: bytes):
        raise NotImplementedError

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if value is None:
            return None
        if value is ERASED:
            raise KeyDestroyed(f"{self.model.__name__}.{self.name} was erased and cannot be saved again")
        key = envelope.write_key(model_instance.clinic_id, model_instance.encryption_subject_ref())
        return Ciphertext(envelope.encrypt(self.to_bytes(self.to_python(value)), key, self.aad_suffix))

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        if isinstance(value, Ciphertext):
            return connection.Database.Binary(bytes(value))
        raise FieldError(
            f"{self.model.__name__}.{self.name} is encrypted: write it with save() (which encrypts), "
            "never with QuerySet.update() or a raw value"
        )

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        try:
            return self.from_bytes(envelope.decrypt(bytes(value), self._suffix or self.aad_suffix))
        except KeyDestroyed:
            return ERASED

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull" and not self.sealed_in:
            return super().get_lookup(lookup_name)
        return None

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        return "" if value is None else str(value)


class Ciphertext(bytes):
    """Marks bytes produced by pre_save, so nothing unencrypted reaches the database."""


class EncryptedTextField(EncryptedField):
    description = "Text, encrypted"

    def __init__(self, *args, max_length=None, **kwargs):
        self.text_max_length = max_length
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.text_max_length is not None:
            kwargs["max_length"] = self.text_max_length
        return name, path, args, kwargs

    def to_python(self, value):
        return value if value is None or isinstance(value, str) else str(value)

    def to_bytes(self, value):
        return value.encode()

    def from_bytes(self, data):
        return data.decode()

    def to_json(self, value):
        return value

    def formfield(self, **kwargs):
        return forms.CharField(max_length=self.text_max_length, required=not self.blank, label=self.verbose_name,
                               **kwargs)


class EncryptedDateField(EncryptedField):
    description = "Date, encrypted"

    def to_python(self, value):
        if value is None or isinstance(value, datetime.date):
            return value
        return datetime.date.fromisoformat(str(value))

    def to_bytes(self, value):
        return value.isoformat().encode()

    def from_bytes(self, data):
        return datetime.date.fromisoformat(data.decode())

    def to_json(self, value):
        return value.isoformat()

    def formfield(self, **kwargs):
        return forms.DateField(required=not self.blank, label=self.verbose_name, **kwargs)


class EncryptedJSONField(EncryptedField):
    description = "JSON value, encrypted"

    def to_python(self, value):
        return value

    def to_bytes(self, value):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()

    def from_bytes(self, data):
        return json.loads(data)

    def to_json(self, value):
        return value


NORMALISERS = {
    "text": blind.normalise_text,
    "digits": blind.normalise_digits,
    "phone": blind.normalise_phone,
    "email": blind.normalise_email,
    # Names for search (docs/search-index-leakage.md): the whole name folded, one word of a name
    # of several, the first letters of a word.
    "name": blind.normalise_name,
    "name_first_part": blind.normalise_first_part,
    "name_last_part": blind.normalise_last_part,
    "name_prefix": blind.normalise_prefix,
    "name_last_prefix": blind.normalise_last_prefix,
}
# Indexes of a part of a value carry the part's kind in their HMAC label: "Nowak"'s whole-name
# index and its first-word index must not be equal, or the two columns would show which names
# have one word.
PART_NORMALISERS = {"name_first_part", "name_last_part", "name_prefix", "name_last_prefix"}


class BlindIndexField(models.BinaryField):
    """HMAC of another (encrypted) field's normalised value, for exact-match search."""

    def __init__(self, *args, source: str, normaliser: str = "text", bits: int | None = None, **kwargs):
        """`bits`: keep only that many bits of the HMAC, so that several values share each index
        value (a prefix index: the exact check runs after decryption)."""
        if normaliser not in NORMALISERS:
            raise ValueError(f"normaliser must be one of {sorted(NORMALISERS)}")
        if bits is not None and not 1 <= bits <= blind.LENGTH * 8:
            raise ValueError(f"bits must be between 1 and {blind.LENGTH * 8}")
        self.source, self.normaliser, self.bits = source, normaliser, bits
        kwargs.setdefault("null", True)
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("max_length", blind.LENGTH if bits is None else -(-bits // 8))
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"], kwargs["normaliser"] = self.source, self.normaliser
        if self.bits is not None:
            kwargs["bits"] = self.bits
        for default in ("null", "db_index", "editable", "max_length"):
            kwargs.pop(default, None)
        return name, path, args, kwargs

    def label(self) -> str:
        if self.normaliser in PART_NORMALISERS:
            return f"{self.model._meta.db_table}.{self.source}.{self.normaliser}"
        return f"{self.model._meta.db_table}.{self.source}"

    def _cut(self, token: bytes) -> bytes:
        return token if self.bits is None else blind.truncate(token, self.bits)

    def token(self, clinic_id, value) -> bytes | None:
        """The index `value` is stored with."""
        normalised = self._normalised(value)
        return None if normalised is None else self._cut(blind.compute(clinic_id, self.label(), normalised))

    def _normalised(self, value) -> str | None:
        if value is None or value is ERASED:
            return None
        return NORMALISERS[self.normaliser](str(value)) or None

    def tokens(self, clinic_id, value) -> list[bytes]:
        """Every index `value` may be stored under (two while the clinic's index key rotates)."""
        normalised = self._normalised(value)
        return [] if normalised is None else [self._cut(t) for t in blind.compute_all(clinic_id, self.label(),
                                                                                      normalised)]

    def tokens_of_normalised(self, clinic_id, normalised: str) -> list[bytes]:
        """Every index of an already normalised value (a search that asks for one word of a name)."""
        return [self._cut(t) for t in blind.compute_all(clinic_id, self.label(), normalised)] if normalised else []

    def token_with(self, key, value) -> bytes | None:
        """The index of `value` under one given index key (an index rotation recomputing rows)."""
        normalised = self._normalised(value)
        return None if normalised is None else self._cut(blind.compute_with(key, self.label(), normalised))

    def pre_save(self, model_instance, add):
        token = self.token(model_instance.clinic_id, getattr(model_instance, self.source))
        setattr(model_instance, self.attname, token)
        return token


def blind_index_for(model, source: str) -> BlindIndexField:
    for field in model._meta.concrete_fields:
        if isinstance(field, BlindIndexField) and field.source == source:
            return field
    raise FieldError(f"{model.__name__}.{source} has no blind index: it cannot be searched")

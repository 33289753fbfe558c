"""The plaintext twin of klinika.patients.models.Patient, derived from it at import time.

Derived rather than written out, so the twin stays identical while Patient grows:

- every encrypted field, sealed in a shared column or not, becomes the plain Django field of the same Python type
  (EncryptedTextField -> CharField of the same max_length, EncryptedDateField ->
  DateField, EncryptedJSONField -> JSONField), same null/blank;
- every blind index is dropped and its source column indexed instead: what a plaintext
  model does for exact-match search. Loading the blind-index columns is thus counted
  as part of what encryption costs;
- every other column (ids, flags, timestamps, foreign keys) is cloned as is; a foreign
  key to Patient points to the twin, other foreign keys get no reverse accessor;
- Meta.indexes and constraints are copied; the clinic foreign key and the clinic-scoped
  manager come from ClinicOwnedModel, as for Patient.

The app has no migrations: bench/encrypted_page.py creates the table with the schema
editor after migrating klinika's apps (it has a foreign key to tenancy_clinic).
"""
from django.db import models

from klinika.crypto.fields import BlindIndexField, EncryptedDateField, EncryptedJSONField, EncryptedTextField
from klinika.crypto.sealed import SealedFields
from klinika.patients.models import Patient
from klinika.tenancy.models import ClinicOwnedModel

INHERITED = {"id", "clinic"}


def _plain_field(field, source, indexed: bool):
    common = {"null": field.null, "blank": field.blank, "verbose_name": field.verbose_name,
              "db_column": field.db_column, "db_index": indexed}
    if isinstance(field, EncryptedTextField):
        if field.text_max_length is None:
            return models.TextField(**common)
        return models.CharField(max_length=field.text_max_length, **common)
    if isinstance(field, EncryptedDateField):
        return models.DateField(**common)
    if isinstance(field, EncryptedJSONField):
        return models.JSONField(**common)
    if isinstance(field, models.ForeignKey):  # deconstruct() needs a ready registry: build it
        to_self = field.remote_field.model is source
        return type(field)(
            "self" if to_self else field.remote_field.model, on_delete=field.remote_field.on_delete,
            related_name=field.remote_field.related_name if to_self else "+",
            **(common | {"db_index": field.db_index or indexed}),
        )
    if field.is_relation:
        raise TypeError(f"{source.__name__}.{field.name}: teach plaintext_twin() about {type(field).__name__}")
    name, path, args, kwargs = field.deconstruct()
    if indexed:
        kwargs["db_index"] = True
    return type(field)(*args, **kwargs)


def plaintext_twin(source, name: str):
    opts = source._meta
    indexed_sources = {f.source for f in opts.concrete_fields if isinstance(f, BlindIndexField)}
    attrs = {"__module__": __name__, "__doc__": f"Plaintext twin of {opts.label} (bench only)."}
    # Fields sealed together (crypto/sealed.py) have no column of their own: each becomes one.
    for field in opts.fields:
        if field.name in INHERITED or isinstance(field, (BlindIndexField, SealedFields)):
            continue
        if not field.concrete and not getattr(field, "sealed_in", None):
            continue
        attrs[field.name] = _plain_field(field, source, field.name in indexed_sources)
    indexes = []
    for index in opts.indexes:
        kwargs = index.deconstruct()[2]
        kwargs.pop("name", None)  # named after the twin's table
        indexes.append(models.Index(**kwargs))
    constraints = []
    blind = {f.name for f in opts.concrete_fields if isinstance(f, BlindIndexField)}
    for constraint in opts.constraints:
        # A constraint over a blind index (one live patient per PESEL) has no column to stand on in the twin.
        if any(name in repr(constraint) for name in blind):
            continue
        clone = constraint.clone()
        clone.name = f"benchplain_{constraint.name}"[:60]
        constraints.append(clone)
    attrs["Meta"] = type("Meta", (), {"indexes": indexes, "constraints": constraints, "app_label": "benchplain"})
    return type(name, (ClinicOwnedModel,), attrs)


PlainPatient = plaintext_twin(Patient, "PlainPatient")

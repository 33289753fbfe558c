"""Plaintext twins of every table the patient summary reads, derived from klinika's models at import time.

Derived, not written out, so the twins follow the real models as they change:

- an encrypted column becomes the plain field of the same Python type (EncryptedTextField ->
  CharField/TextField, EncryptedDateField -> DateField, EncryptedJSONField -> JSONField);
- a blind index is dropped and its source column indexed instead (what a plaintext model would do);
- a foreign key to a twinned model points at its twin; to anything else (users, clinics) it is
  kept, without a reverse accessor; many-to-many fields (practitioners' specialties) are left out:
  the summary does not read them;
- indexes, constraints (on the plain column where they were on a blind index) and __str__ are
  copied. The clinic key and its scoped manager come from ClinicOwnedModel, as for the originals.

There are no migrations: the benchmark creates the tables with the schema editor.
"""
from django.db import models

from klinika.accounts.models import StaffMember
from klinika.crypto.fields import BlindIndexField, EncryptedDateField, EncryptedJSONField, EncryptedTextField
from klinika.edocs.models import Prescription, PrescriptionPackage, Referral, SickLeave
from klinika.patients.models import Patient
from klinika.records.models import Allergy, Attachment, Encounter, EncounterVersion, VitalSigns
from klinika.staff.models import Practitioner
from klinika.tenancy.models import ClinicOwnedModel

APP = "benchplainrecords"
SOURCES = [Patient, StaffMember, Practitioner, Encounter, EncounterVersion, VitalSigns, Allergy, Attachment,
           PrescriptionPackage, Prescription, Referral, SickLeave]
TWIN_NAMES = {source: f"Plain{source.__name__}" for source in SOURCES}
INHERITED = {"id", "clinic"}


def _common(field, indexed):
    return {"null": field.null, "blank": field.blank, "db_index": indexed or getattr(field, "db_index", False)}


def _relation(field):
    target = field.remote_field.model
    twin = TWIN_NAMES.get(target)
    kwargs = {"on_delete": field.remote_field.on_delete, "null": field.null, "blank": field.blank}
    if twin is None:  # users: kept, no reverse accessor
        return type(field)(target, related_name="+", **kwargs)
    return type(field)(f"{APP}.{twin}", related_name=field.remote_field.related_name or "+", **kwargs)


def _plain_field(field, source, indexed):
    if isinstance(field, EncryptedTextField):
        if field.text_max_length is None:
            return models.TextField(**_common(field, indexed))
        return models.CharField(max_length=field.text_max_length, **_common(field, indexed))
    if isinstance(field, EncryptedDateField):
        return models.DateField(**_common(field, indexed))
    if isinstance(field, EncryptedJSONField):
        return models.JSONField(**_common(field, indexed))
    if field.is_relation:
        return _relation(field)
    _name, _path, args, kwargs = field.deconstruct()
    if indexed:
        kwargs["db_index"] = True
    return type(field)(*args, **kwargs)


def plaintext_twin(source):
    opts = source._meta
    indexed_sources = {f.source for f in opts.concrete_fields if isinstance(f, BlindIndexField)}
    attrs = {"__module__": __name__, "__doc__": f"Plaintext twin of {opts.label} (bench only).",
             "__str__": source.__str__}
    for field in opts.concrete_fields:
        if field.name in INHERITED or isinstance(field, BlindIndexField):
            continue
        attrs[field.name] = _plain_field(field, source, field.name in indexed_sources)
    indexes = [models.Index(**{k: v for k, v in index.deconstruct()[2].items() if k != "name"})
               for index in opts.indexes]
    blind_sources = {f.name: f.source for f in opts.concrete_fields if isinstance(f, BlindIndexField)}
    constraints = []
    for constraint in opts.constraints:
        clone = constraint.clone()
        clone.name = f"bpr_{constraint.name}"[:60]
        if getattr(clone, "fields", None):  # a uniqueness on a blind index holds on the plain column
            clone.fields = tuple(blind_sources.get(name, name) for name in clone.fields)
        constraints.append(clone)
    attrs["Meta"] = type("Meta", (), {"indexes": indexes, "constraints": constraints, "app_label": APP})
    return type(TWIN_NAMES[source], (ClinicOwnedModel,), attrs)


TWINS = {source: plaintext_twin(source) for source in SOURCES}
globals().update({twin.__name__: twin for twin in TWINS.values()})

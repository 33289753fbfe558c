"""Which tables hold which category of a person's data, and how a row names its person.

One list, read by every way of scoping (a leaked copy, the live database, the audit trail), so the
categories mean the same whatever the source. Table and column names come from the models' meta:
a renamed table cannot silently drop out of a scope.
"""
from dataclasses import dataclass

from django.apps import apps
from django.utils.translation import gettext_lazy as _

IDENTIFIERS, CONTACT, APPOINTMENTS, HEALTH, EDOCUMENTS, STAFF = (
    "identifiers", "contact", "appointments", "health", "edocuments", "staff")
CATEGORIES = (IDENTIFIERS, CONTACT, APPOINTMENTS, HEALTH, EDOCUMENTS, STAFF)
LABELS = {
    IDENTIFIERS: _("identifiers (name, PESEL, birth date, sex, identity documents)"),
    CONTACT: _("contact data (phone, e-mail, address)"),
    APPOINTMENTS: _("appointments, with the practitioner's specialty"),
    HEALTH: _("health data (visit records, diagnoses, measurements, allergies, attachments)"),
    EDOCUMENTS: _("e-documents (e-prescriptions, e-referrals, e-sick-leave)"),
    STAFF: _("staff data (names, contacts, licence numbers)"),
}
# Special categories of art. 9 GDPR: an appointment with a gynaecologist says something about health.
HEALTH_CATEGORIES = {APPOINTMENTS, HEALTH, EDOCUMENTS}


@dataclass(frozen=True)
class Table:
    category: str
    model: str           # "app_label.ModelName"
    person: str          # the column naming the patient ("patient_id"), or "subject_ref"
    via: str = ""        # a foreign-key column to follow first (EncounterVersion.encounter_id)
    via_model: str = ""  # ... to this model, whose `person` column names the patient

    @property
    def db_table(self) -> str:
        return apps.get_model(self.model)._meta.db_table

    @property
    def via_table(self) -> str:
        return apps.get_model(self.via_model)._meta.db_table if self.via_model else ""


# Rows about one patient, by category. The patient's own row is IDENTIFIERS (and CONTACT when it holds
# a phone, an e-mail or an address: scope.py looks).
PATIENT_TABLES = (
    Table(IDENTIFIERS, "patients.PatientIdentifier", "patient_id"),
    Table(CONTACT, "notify.OutboundMessage", "subject_ref"),
    Table(APPOINTMENTS, "scheduling.Appointment", "patient_id"),
    Table(APPOINTMENTS, "scheduling.WaitlistEntry", "patient_id"),
    Table(HEALTH, "records.Encounter", "patient_id"),
    Table(HEALTH, "records.EncounterVersion", "patient_id", via="encounter_id", via_model="records.Encounter"),
    Table(HEALTH, "records.VitalSigns", "patient_id"),
    Table(HEALTH, "records.Allergy", "patient_id"),
    Table(HEALTH, "records.Attachment", "patient_id"),
    Table(EDOCUMENTS, "edocs.Prescription", "patient_id"),
    Table(EDOCUMENTS, "edocs.PrescriptionPackage", "patient_id"),
    Table(EDOCUMENTS, "edocs.Referral", "patient_id"),
    Table(EDOCUMENTS, "edocs.SickLeave", "patient_id"),
)
PATIENT_TABLE = "patients.Patient"
STAFF_TABLE = "accounts.StaffMember"

# The audit trail's object types (what a login read), by category.
AUDIT_OBJECT_TYPES = {
    "patient": IDENTIFIERS, "patient-search": IDENTIFIERS, "message": CONTACT,
    "appointment": APPOINTMENTS, "waitlist-entry": APPOINTMENTS, "waitlist-offer": APPOINTMENTS,
    "reminder": APPOINTMENTS,
    "encounter": HEALTH, "encounter-version": HEALTH, "vital-signs": HEALTH, "vital-signs-list": HEALTH,
    "allergy": HEALTH, "allergy-list": HEALTH, "attachment": HEALTH, "attachment-list": HEALTH,
    "clinical-summary": HEALTH,
}


def audit_category(object_type: str) -> str | None:
    if object_type in AUDIT_OBJECT_TYPES:
        return AUDIT_OBJECT_TYPES[object_type]
    if object_type.startswith("e-"):
        return EDOCUMENTS
    return None


def label(category: str) -> str:
    return str(LABELS.get(category, category))

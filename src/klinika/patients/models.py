import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from klinika.crypto.fields import BlindIndexField, EncryptedDateField, EncryptedJSONField, EncryptedTextField
from klinika.crypto.sealed import SealedFields
from klinika.tenancy.models import ClinicOwnedModel

# 64 values: in a clinic of 10,000 patients each is shared by dozens of patients of many surnames
# (docs/search-index-leakage.md, tests/patients/test_search_index_leakage.py).
SURNAME_PREFIX_BITS = 6


class Sex(models.TextChoices):
    FEMALE = "F", _("female")
    MALE = "M", _("male")


class DocumentType(models.TextChoices):
    ID_CARD = "id_card", _("ID card")
    PASSPORT = "passport", _("passport")
    RESIDENCE_CARD = "residence_card", _("residence card")
    OTHER = "other", _("other document")


class ContactChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("e-mail")
    NONE = "none", _("no messages")


class GuardianRelation(models.TextChoices):
    MOTHER = "mother", _("mother")
    FATHER = "father", _("father")
    LEGAL_GUARDIAN = "legal_guardian", _("legal guardian")
    OTHER = "other", _("other legal representative")


class SharedPeselReason(models.TextChoices):
    """Why a patient holds a PESEL of their own that another live patient of the clinic holds too.

    A PESEL is "a symbol that identifies one natural person" (ustawa z dnia 24 września 2010 r.
    o ewidencji ludności, art. 15 ust. 1), so a clinic records one PESEL for one live patient and
    the database refuses a second (Patient.Meta). The registry has in practice issued one number
    to two people; only a clinic admin, having confirmed that with the registry, records such a
    patient, with one of these codes, and the act is audited.
    """

    REGISTRY_CONFIRMED = "registry_confirmed", _("the PESEL registry confirmed this number was issued to two people")
    NEW_PESEL_PENDING = "new_pesel_pending", _("confirmed by the registry; a new PESEL is being issued")
    # Set by the migration that introduced the rule, on the later of two live records that shared
    # a PESEL before it: a clinic admin reviews them (merge, correct, or confirm with the registry).
    LEGACY = "legacy", _("shared before one PESEL, one patient was enforced: to be reviewed")


# Codes a clinic admin may choose (LEGACY is only set by the migration).
SHARED_PESEL_CHOICES = [SharedPeselReason.REGISTRY_CONFIRMED, SharedPeselReason.NEW_PESEL_PENDING]


class PeselKind(models.TextChoices):
    """What the PESEL on a patient's record is: one identifier, three kinds."""

    OWN = "own", _("own PESEL")
    MOTHERS = "mothers", _("mother's PESEL (newborn)")
    SHARED = "shared", _("shared PESEL (confirmed with the registry)")


class Patient(ClinicOwnedModel):
    """A patient of one clinic. Every personal field is encrypted under the patient's own key."""

    subject_ref = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The personal fields below are sealed in two columns, one AES-GCM message each: what a list
    # or a header shows, and the rest. A list of 50 patients costs 50 decryptions, not 300
    # (crypto/sealed.py, bench/RESULTS.md).
    personal = SealedFields(_("personal data"))
    details = SealedFields(_("address and identity document"))
    first_name = EncryptedTextField(_("first name"), max_length=100, sealed_in="personal")
    last_name = EncryptedTextField(_("last name"), max_length=150, sealed_in="personal")
    pesel = EncryptedTextField(_("PESEL"), max_length=11, blank=True, sealed_in="personal")
    # A newborn without a PESEL of its own is recorded with the mother's.
    pesel_is_mothers = models.BooleanField(_("PESEL is the mother's (newborn)"), default=False)
    # Blank: the PESEL is the patient's own and no other live patient may hold it (Meta.constraints).
    # A reason code: a clinic admin recorded that the registry issued it to another person too.
    pesel_shared = models.CharField(_("shared PESEL"), max_length=20, choices=SharedPeselReason.choices,
                                    blank=True, default="")
    document_type = models.CharField(_("document type"), max_length=20, choices=DocumentType.choices, blank=True)
    document_number = EncryptedTextField(_("document number"), max_length=40, blank=True,
                                         sealed_in="details")
    # The issuing country decides how the number is checked: Polish ID cards and passports
    # carry a check digit, foreign documents are taken as written. Encrypted: it tells nationality.
    document_country = EncryptedTextField(_("issuing country"), max_length=2, blank=True,
                                          sealed_in="details")
    birth_date = EncryptedDateField(_("birth date"), sealed_in="personal")
    sex = EncryptedTextField(_("sex"), max_length=1, sealed_in="personal")
    # {"street", "building", "apartment", "postal_code", "city", "country"}
    address = EncryptedJSONField(_("address"), blank=True, sealed_in="details")
    phone = EncryptedTextField(_("phone"), max_length=30, blank=True, sealed_in="personal")
    email = EncryptedTextField(_("e-mail"), max_length=254, blank=True, sealed_in="personal")
    # Only what the retention rules need (ustawa o prawach pacjenta, art. 29 ust. 1 pkt 1: 30 years
    # from the end of the year of death when it was caused by injury or poisoning). Health data, so
    # sealed under the patient's key with the other details.
    death_date = EncryptedDateField(_("date of death"), blank=True, sealed_in="details")
    death_cause = EncryptedTextField(_("cause of death"), max_length=10, blank=True, sealed_in="details")
    preferred_channel = models.CharField(_("preferred contact channel"), max_length=10,
                                         choices=ContactChannel.choices, default=ContactChannel.SMS)
    consent_sms = models.BooleanField(_("agrees to SMS messages"), default=False)
    consent_email = models.BooleanField(_("agrees to e-mail messages"), default=False)
    consent_updated_at = models.DateTimeField(null=True, blank=True)
    guardian = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="wards",
                                 verbose_name=_("legal guardian"))
    guardian_relation = models.CharField(_("guardian's relation"), max_length=40, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="merged_records")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    pesel_index = BlindIndexField(source="pesel", normaliser="digits")
    document_index = BlindIndexField(source="document_number", normaliser="text")
    # Search indexes of the surname (patients/search.py; what each reveals: docs/search-index-leakage.md).
    # The whole surname, case and diacritics folded: "Ciemiega" finds "Ciemięga".
    last_name_index = BlindIndexField(source="last_name", normaliser="name")
    phone_index = BlindIndexField(source="phone", normaliser="phone")
    email_index = BlindIndexField(source="email", normaliser="email")
    # Each end of a surname of several words: "wójcik" and "Żółkiewska" find "Wójcik-Żółkiewska".
    # Empty for a one-word surname (the whole-surname index finds it).
    last_name_first_part_index = BlindIndexField(source="last_name", normaliser="name_first_part")
    last_name_last_part_index = BlindIndexField(source="last_name", normaliser="name_last_part")
    # The first 3 letters, cut to SURNAME_PREFIX_BITS so that each value is shared by many surnames.
    last_name_prefix_index = BlindIndexField(source="last_name", normaliser="name_prefix", bits=SURNAME_PREFIX_BITS)

    class Meta:
        indexes = [models.Index(fields=["clinic", "created_at"])]
        constraints = [
            # One PESEL, one patient (ustawa o ewidencji ludności, art. 15 ust. 1: a PESEL identifies
            # one natural person), held by the database so no path (desk, API, import, merge revert)
            # can click it away. On the blind index: the database never sees the PESEL. Not covered:
            # a merged record, a newborn recorded with the mother's PESEL (mother and twins share
            # it), a PESEL an admin recorded as shared, and an erased patient (index cleared to NULL).
            # A blind index of the old and one of the new key differ while `keys rotate --index`
            # runs: patients.services checks both before a write (check_pesel_free).
            models.UniqueConstraint(
                fields=["clinic", "pesel_index"],
                condition=Q(is_active=True, merged_into__isnull=True, pesel_is_mothers=False, pesel_shared="",
                            pesel_index__isnull=False),
                name="patients_one_live_patient_per_pesel"),
            models.CheckConstraint(condition=Q(pesel_is_mothers=False) | Q(pesel_shared=""),
                                   name="patients_shared_pesel_is_own"),
        ]

    def encryption_subject_ref(self):
        return self.subject_ref

    @property
    def pesel_kind(self) -> str:
        if self.pesel_is_mothers:
            return PeselKind.MOTHERS
        return PeselKind.SHARED if self.pesel_shared else PeselKind.OWN

    @property
    def pesel_shared_label(self) -> str:
        return str(SharedPeselReason(self.pesel_shared).label) if self.pesel_shared in SharedPeselReason.values else ""

    def __str__(self):
        return f"{self.last_name} {self.first_name}"

    @property
    def masked_pesel(self) -> str:
        """Enough for the desk to tell two people apart, not enough to copy a PESEL off a screen."""
        pesel = self.pesel if isinstance(self.pesel, str) else ""
        return "\u2022" * 7 + pesel[-4:] if len(pesel) == 11 else ""

    @property
    def masked_document(self) -> str:
        number = self.document_number if isinstance(self.document_number, str) else ""
        return "\u2022" * max(len(number) - 3, 0) + number[-3:] if number else ""

    @property
    def guardian_relation_label(self) -> str:
        relation = self.guardian_relation
        return str(GuardianRelation(relation).label) if relation in GuardianRelation.values else relation

    @property
    def sex_label(self) -> str:
        return str(Sex(self.sex).label) if self.sex in Sex.values else ""

    @property
    def age(self) -> int | None:
        from django.utils import timezone

        return self.age_on(timezone.localdate())

    def age_on(self, day) -> int | None:
        born = self.birth_date
        if not hasattr(born, "year"):
            return None
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class DeathCause(models.TextChoices):
    """As far as retention needs it: art. 29 ust. 1 pkt 1 names injury (uszkodzenie ciała) and poisoning."""

    INJURY = "injury", _("injury")
    POISONING = "poisoning", _("poisoning")
    OTHER = "other", _("other cause")


class IdentifierKind(models.TextChoices):
    PESEL = "pesel", _("PESEL")
    DOCUMENT = "document", _("identity document")


class IdentifierNote(models.TextChoices):
    """Why an identifier was recorded or replaced: codes, never free text (it is not encrypted)."""

    MOTHERS_PESEL = "mothers_pesel", _("mother's PESEL (newborn)")
    TYPO = "typo", _("typing error corrected")
    OFFICIAL_CHANGE = "official_change", _("changed by the registry office")
    OWN_PESEL = "own_pesel", _("newborn received its own PESEL")
    NEW_DOCUMENT = "new_document", _("new document")
    REMOVED = "removed", _("no longer used")
    MERGED = "merged", _("from a merged duplicate record")
    SHARED_PESEL = "shared_pesel", _("PESEL shared with another person (confirmed with the registry)")


class PatientIdentifier(ClinicOwnedModel):
    """Every identifier a patient has had: a corrected PESEL keeps the old one on record."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="identifiers")
    kind = models.CharField(max_length=10, choices=IdentifierKind.choices)
    document_type = models.CharField(max_length=20, choices=DocumentType.choices, blank=True)
    value = EncryptedTextField(max_length=40)
    value_index = BlindIndexField(source="value", normaliser="text")
    # The patient's subject_ref, copied: crypto-erasing a subject clears the blind indexes of
    # every row carrying its subject_ref, so a former PESEL stops being findable with it.
    subject_ref = models.UUIDField(null=True, editable=False, db_index=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    replaced_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=100, blank=True)

    class Meta:
        indexes = [models.Index(fields=["clinic", "patient", "kind"])]

    def encryption_subject_ref(self):
        return self.patient.subject_ref

    def save(self, *args, **kwargs):
        self.subject_ref = self.patient.subject_ref
        super().save(*args, **kwargs)

    @property
    def note_label(self) -> str:
        return str(IdentifierNote(self.reason).label) if self.reason in IdentifierNote.values else ""


class PatientMerge(ClinicOwnedModel):
    """Two records of one person joined by a clinic admin; undoable until confirmed."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending confirmation")
        CONFIRMED = "confirmed", _("confirmed")
        REVERTED = "reverted", _("reverted")

    survivor = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    # What moved from `merged` to `survivor`, as opaque ids ({"app.Model": [pk, ...]}), to undo it.
    moved = models.JSONField(default=dict)
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

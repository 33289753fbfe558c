"""Scans and lab results: PDF, JPEG or PNG (told by their first bytes, never by name or browser),
encrypted under the patient's key before they reach storage; every download is audited."""
import math
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from klinika.accounts.policy import require
from klinika.audit.models import Action
from klinika.audit.services import record
from klinika.patients.models import Patient
from klinika.records import filecrypt
from klinika.records.models import Attachment, Encounter
from klinika.records.services import as_pk, get_patient
from klinika.records.storage import attachment_storage, max_upload_bytes

# The first bytes of each accepted format (the file's "magic number").
SIGNATURES = [
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
]
NAME_MAX = 255
DESCRIPTION_MAX = 500


def detect_type(head: bytes) -> str | None:
    for magic, content_type, _extension in SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


def extension_for(content_type: str) -> str:
    return next((ext for _magic, ct, ext in SIGNATURES if ct == content_type), "")


def _megabytes(size: int, *, round_up=False) -> str:
    """Megabytes to one decimal, in the reader's number format; a file just over the limit rounds up,
    so the message never says "too large: 20 MB; at most 20 MB"."""
    tenths = size * 10 / (1024 * 1024)
    tenths = math.ceil(tenths) if round_up else round(tenths)
    return number_format(tenths / 10 if tenths % 10 else tenths // 10)


def _clean_name(name) -> str:
    name = os.path.basename(str(name or "").replace("\\", "/")).strip() or _("attachment")
    if len(name) > NAME_MAX:
        stem, extension = os.path.splitext(name)
        name = stem[: NAME_MAX - len(extension)] + extension
    return name


def upload(user, patient_id, file, *, kind: str = Attachment.Kind.SCAN, description: str = "",
           encounter_id=None) -> Attachment:
    """Store `file` (an UploadedFile) for the patient. Nothing is stored unless every check passes."""
    require(user, "records.attach")
    patient = get_object_or_404(Patient.objects, pk=as_pk(patient_id))
    errors: dict[str, list] = {}
    if kind not in Attachment.Kind.values:
        errors["kind"] = [_("Choose what the file is: %(kinds)s.") % {
            "kinds": ", ".join(str(label) for label in Attachment.Kind.labels)}]
    description = (description if isinstance(description, str) else "").strip()
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = [_("At most %(max)d characters.") % {"max": DESCRIPTION_MAX}]
    content_type = _check_file(file, errors)
    encounter = None
    if encounter_id not in (None, ""):
        encounter = Encounter.objects.filter(pk=as_pk(encounter_id), patient=patient).first()
        if encounter is None:
            errors["encounter"] = [_("Choose a visit of this patient.")]
    if errors:
        raise ValidationError(errors)

    public_id = uuid.uuid4()
    file.seek(0)
    ciphertext = b"".join(filecrypt.encrypt(file.chunks(), clinic_id=patient.clinic_id,
                                            subject_ref=patient.subject_ref, public_id=public_id))
    storage = attachment_storage()
    stored_name = storage.save(filecrypt.random_name(), ContentFile(ciphertext))
    try:
        with transaction.atomic():
            attachment = Attachment(public_id=public_id, patient=patient, encounter=encounter, kind=kind,
                                    content_type=content_type, size=file.size, storage_name=stored_name,
                                    original_name=_clean_name(file.name), description=description,
                                    uploaded_by=user)
            attachment.save()
            record(Action.CREATE, object_type="attachment", object_id=public_id, subject_ref=patient.subject_ref)
    except BaseException:
        storage.delete(stored_name)  # no orphan ciphertext when the row was not written
        raise
    return attachment


def _check_file(file, errors) -> str:
    if file is None:
        errors["file"] = [_("Choose a file to attach.")]
        return ""
    limit = max_upload_bytes()
    if getattr(file, "too_large", False) or file.size > limit:
        errors["file"] = [_("The file is too large: %(size)s MB; at most %(limit)s MB can be attached.") % {
            "size": _megabytes(file.size, round_up=True), "limit": _megabytes(limit)}]
        return ""
    if file.size == 0:
        errors["file"] = [_("The file is empty.")]
        return ""
    file.seek(0)
    head = file.read(16)
    content_type = detect_type(head)
    if content_type is None:
        errors["file"] = [_("Only PDF, JPEG and PNG files can be attached, and this file's content is none of "
                            "them (whatever its name says).")]
        return ""
    return content_type


def _by_public_id(public_id) -> Attachment:
    try:
        public_id = uuid.UUID(str(public_id))
    except ValueError:
        raise Http404 from None
    return get_object_or_404(Attachment.objects.select_related("patient"), public_id=public_id)


def get_attachment(user, public_id) -> Attachment:
    """The attachment's description (not its content); audited as a read."""
    require(user, "records.view_clinical")
    attachment = _by_public_id(public_id)
    record(Action.READ, object_type="attachment", object_id=attachment.public_id,
           subject_ref=attachment.patient.subject_ref)
    return attachment


def patient_attachments(user, patient_id, *, limit=50) -> tuple[Patient, list[Attachment]]:
    patient = get_patient(user, patient_id)
    rows = list(Attachment.objects.filter(patient=patient).order_by("-uploaded_at", "-pk")[:limit])
    record(Action.READ, object_type="attachment-list", object_id=patient.pk, subject_ref=patient.subject_ref,
           reason=f"{len(rows)} shown")
    return patient, rows


@dataclass
class Download:
    attachment: Attachment
    chunks: Iterator[bytes]

    @property
    def filename(self) -> str:
        name = self.attachment.original_name if isinstance(self.attachment.original_name, str) else ""
        return name or f"{self.attachment.public_id}{extension_for(self.attachment.content_type)}"


def download(user, public_id) -> Download:
    """The decrypted file as a stream of chunks. Audited as an export: the data leaves klinika."""
    require(user, "records.view_clinical")
    attachment = _by_public_id(public_id)
    chunks = _decrypted(attachment)
    first = next(chunks)  # a destroyed key or a damaged file fails here, before any response starts
    record(Action.EXPORT, object_type="attachment", object_id=attachment.public_id,
           subject_ref=attachment.patient.subject_ref, reason="downloaded")
    return Download(attachment, _prepend(first, chunks))


def _decrypted(attachment: Attachment) -> Iterator[bytes]:
    with attachment_storage().open(attachment.storage_name, "rb") as handle:
        yield from filecrypt.decrypt(handle.chunks(), clinic_id=attachment.clinic_id,
                                     public_id=attachment.public_id)


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


IMPORTED = "imported"


def import_attachment(clinic, *, patient_id, data: bytes, kind: str, original_name: str, description: str = "",
                      uploaded_by_id, uploaded_at=None, encounter_id=None, actor=None) -> Attachment:
    """An attachment brought from elsewhere (a handover import): `data` checked like an upload (PDF, JPEG
    or PNG by its first bytes, within the size limit), encrypted under the patient's key and stored, with
    who uploaded it and when. Needs the clinic in context; one CREATE audit event, reason "imported"."""
    from django.utils import timezone

    from klinika.accounts.models import User
    from klinika.audit.services import record_many

    errors: dict[str, list] = {}
    patient = Patient.objects.filter(pk=patient_id, is_active=True).first()
    if patient is None:
        errors["patient"] = [_("Choose a patient of this clinic.")]
    if kind not in Attachment.Kind.values:
        errors["kind"] = [_("Choose what the file is: scanned document, laboratory result, image or other.")]
    if not User.objects.filter(pk=uploaded_by_id, clinic=clinic).exists():
        errors["uploaded_by"] = [_("Choose a user of this clinic who uploaded it.")]
    encounter = None
    if encounter_id is not None and patient is not None:
        encounter = Encounter.objects.filter(pk=encounter_id, patient=patient).first()
        if encounter is None:
            errors["encounter"] = [_("Choose a visit of this patient.")]
    description = (description if isinstance(description, str) else "").strip()
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = [_("At most %(max)d characters.") % {"max": DESCRIPTION_MAX}]
    content_type = detect_type(data[:16]) if data else None
    if not data or len(data) > max_upload_bytes() or content_type is None:
        errors["file"] = [_("Only PDF, JPEG and PNG files within the size limit can be attached.")]
    if errors:
        raise ValidationError(errors)
    public_id = uuid.uuid4()
    ciphertext = b"".join(filecrypt.encrypt([data], clinic_id=clinic.id, subject_ref=patient.subject_ref,
                                            public_id=public_id))
    storage = attachment_storage()
    stored_name = storage.save(filecrypt.random_name(), ContentFile(ciphertext))
    try:
        with transaction.atomic():
            attachment = Attachment(public_id=public_id, patient=patient, encounter=encounter, kind=kind,
                                    content_type=content_type, size=len(data), storage_name=stored_name,
                                    original_name=_clean_name(original_name), description=description,
                                    uploaded_by_id=uploaded_by_id, uploaded_at=uploaded_at or timezone.now())
            attachment.save()
            record_many(Action.CREATE, [("attachment", public_id, patient.subject_ref)], reason=IMPORTED,
                        clinic_id=clinic.id, actor=actor)
    except BaseException:
        storage.delete(stored_name)
        raise
    return attachment

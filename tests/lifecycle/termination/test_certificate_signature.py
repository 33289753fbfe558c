"""A certificate verifies, and stops verifying after any one byte changes: the JSON, and the PDF."""
import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command

from klinika.lifecycle.termination import certificate
from klinika.lifecycle.termination.pdf import certificate_pdf

pytestmark = pytest.mark.django_db

DOCUMENT = {
    "format": certificate.CERTIFICATE_FORMAT, "certificate_id": "6f1c4f57-8f57-4a4b-9d6b-2f7f3a9a0c11",
    "issued_at": "2026-12-04T10:00:00Z",
    "clinic": {"id": "1d0b8a52-3a3e-4f7c-9a55-0d3c7d4b2e10", "name": "Przychodnia Źródlana", "slug": "zrodlana"},
    "rows_removed": {"patients_patient": 120, "scheduling_appointment": 400}, "rows_removed_total": 520,
    "destroyed_keys": {"key_encryption_keys": ["0c2f"], "clinic_keys": {"dek": ["a1"]},
                       "subject_keys": {"count": 120, "sha256_of_sorted_ids": "ab" * 32}, "total": 122},
    "root_key_generation": {"number": 3, "destroy_after": "2027-01-08T10:00:00Z"},
    "statements": {"live_copies": {"pl": "teraz", "en": "now"}, "backups": {"pl": "później", "en": "later"}},
}


def flipped(data: bytes, position: int) -> bytes:
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1:]


def test_the_json_fails_after_any_one_byte_changes():
    signed = certificate.sign(DOCUMENT)
    result = certificate.verify(signed)
    assert result.ok and result.document["clinic"]["slug"] == "zrodlana"
    for position in range(len(signed)):
        assert not certificate.verify(flipped(signed, position)).ok, position
    assert not certificate.verify(signed + b"\n").ok
    assert not certificate.verify(json.dumps(json.loads(signed), indent=1).encode()).ok  # re-formatted


def test_the_pdf_carries_the_signed_json_and_fails_after_any_one_byte_changes():
    signed = certificate.sign(DOCUMENT)
    pdf = certificate_pdf(signed)
    result = certificate.verify(pdf)
    assert result.ok and result.kind == certificate.CERTIFICATE_FORMAT
    assert certificate.embedded_json(pdf[:pdf.rfind(b"%klinika-signature:")]) == signed
    tail = len(pdf) - 200
    positions = sorted(set(range(0, tail, max(1, tail // 400))) | set(range(tail, len(pdf))))
    for position in positions:
        assert not certificate.verify(flipped(pdf, position)).ok, position


def test_a_certificate_signed_by_any_other_key_is_refused():
    impostor = Ed25519PrivateKey.generate()
    body = {k: v for k, v in DOCUMENT.items()}
    body["signature"] = {"algorithm": "Ed25519", "key_id": "00000000-0000-0000-0000-000000000abc",
                         "public_key": base64.b64encode(impostor.public_key().public_bytes_raw()).decode(),
                         "value": base64.b64encode(impostor.sign(certificate.canonical(DOCUMENT))).decode()}
    result = certificate.verify(certificate.canonical(body))
    assert not result.ok and "not a published vendor certificate key" in result.problems[0]


def test_the_cli_verifies_with_the_published_key(tmp_path, capsys):
    path = tmp_path / "certificate.json"
    path.write_bytes(certificate.sign(DOCUMENT))
    call_command("certificate", "public-key")
    key_id, algorithm, published = capsys.readouterr().out.split()
    assert algorithm == "Ed25519"
    call_command("certificate", "verify", str(path), "--public-key", published)
    assert f"valid {certificate.CERTIFICATE_FORMAT} of clinic zrodlana" in capsys.readouterr().out
    other = base64.b64encode(Ed25519PrivateKey.generate().public_key().public_bytes_raw()).decode()
    with pytest.raises(CommandError, match="NOT VALID"):
        call_command("certificate", "verify", str(path), "--public-key", other)
    path.write_bytes(flipped(path.read_bytes(), 40))
    with pytest.raises(CommandError, match="NOT VALID"):
        call_command("certificate", "verify", str(path))

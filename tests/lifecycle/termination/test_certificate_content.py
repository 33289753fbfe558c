"""The deletion certificate says what was destroyed and when: clinic, each step's date, key ids and
counts, rows per table, the handover manifest's hash, root generation N with its destruction date, and
the two statements. The vendor gets it from the command line (the clinic's logins are gone)."""
import json

import pytest
from django.core.management import call_command

from klinika.crypto.keystore import root_generations
from klinika.crypto.models import DataKey, KeyEncryptionKey
from klinika.lifecycle.termination import certificate, services
from klinika.lifecycle.termination.services import removal
from klinika.tenancy.context import clinic_context

pytestmark = pytest.mark.django_db


def test_the_certificate_records_the_whole_termination(synth_clinic, acknowledged, settings, tmp_path, capsys):
    settings.KLINIKA_TERMINATION_GRACE_DAYS = 0
    clinic = synth_clinic("swiadectwo")
    termination = acknowledged(clinic)
    with clinic_context(clinic):
        rows = {table.name: removal.rows_of(table, clinic.pk).count() for table in removal.plan()}
    keys = {(k.key_id, k.purpose) for k in DataKey.objects.using("keystore").filter(clinic_id=clinic.pk)}
    kek = KeyEncryptionKey.objects.using("keystore").get(clinic_id=clinic.pk)
    manifest_sha256 = termination.manifest_sha256
    termination = services.advance(clinic)

    document = json.loads(bytes(termination.certificate))
    assert document["clinic"] == {"id": str(clinic.pk), "name": clinic.name, "slug": clinic.slug}
    assert document["handover_manifest"]["sha256"] == manifest_sha256
    assert document["steps"]["notice_given"]["reason"] == "contract ended"
    for step in ("notice_given", "export_delivered", "export_acknowledged", "grace_period_ended", "crypto_shredded",
                 "root_key_rotated", "rows_removed"):
        assert document["steps"][step]["at"].endswith("Z"), step
    destroyed = document["destroyed_keys"]
    assert destroyed["key_encryption_keys"] == [str(kek.key_id)]
    assert destroyed["subject_keys"]["count"] == sum(1 for _, purpose in keys if purpose == "subject")
    for purpose in ("dek", "index", "signing", "audit"):
        assert destroyed["clinic_keys"][purpose] == sorted(str(k) for k, p in keys if p == purpose)
    assert destroyed["total"] == len(keys) + 1
    assert document["rows_removed"] == {table: n for table, n in rows.items() if n}
    assert document["kept"]["tables"]["audit_auditevent"] > 0
    generation = next(g for g in root_generations() if g.number == termination.root_generation)
    assert generation.retired_at is not None and generation.destroyed_at is None
    assert document["root_key_generation"]["number"] == generation.number
    due = f"{generation.destroy_after:%Y-%m-%d}"
    assert document["root_key_generation"]["destroy_after"].startswith(due)
    assert f"generation {generation.number} is destroyed (due {due})" in document["statements"]["backups"]["en"]
    assert f"generacji {generation.number} klucza głównego (termin: {due})" in document["statements"]["backups"]["pl"]
    assert "now" in document["statements"]["live_copies"]["en"]

    # the vendor's copies: JSON and PDF from the command line, both verifying
    call_command("certificate", "show", clinic.slug, "--out", str(tmp_path / "c.json"))
    call_command("certificate", "show", clinic.slug, "--pdf", "--out", str(tmp_path / "c.pdf"))
    assert (tmp_path / "c.json").read_bytes() == bytes(termination.certificate)
    assert certificate.verify((tmp_path / "c.pdf").read_bytes()).document == document
    capsys.readouterr()
    call_command("certificate", "show", clinic.slug)
    assert capsys.readouterr().out.encode() == bytes(termination.certificate)

"""Once root generation N (and every earlier one) is destroyed, a second signed statement says the
clinic is now unreadable in every backup as well: from the worker's periodic job or the command."""
import datetime
import hashlib
import json

import pytest
from django.core.management import CommandError, call_command

from klinika.crypto.keystore import destroy_due_root_generations
from klinika.lifecycle.termination import certificate, services
from klinika.lifecycle.termination.services.certificates import issue_backup_statements
from klinika.web.worker import issue_backup_statements as worker_round

pytestmark = pytest.mark.django_db


def test_the_backup_statement_follows_the_destruction_of_the_root_generation(
        synth_clinic, acknowledged, settings, tmp_path, capsys):
    settings.KLINIKA_TERMINATION_GRACE_DAYS = 0
    clinic = synth_clinic("kopie")
    acknowledged(clinic)
    termination = services.advance(clinic)
    assert issue_backup_statements() == []  # generation N still exists: nothing to state yet
    with pytest.raises(CommandError, match=f"generation {termination.root_generation} is destroyed"):
        call_command("certificate", "show", clinic.slug, "--statement")

    destroyed = destroy_due_root_generations(now=termination.root_destroy_after + datetime.timedelta(hours=1))
    assert termination.root_generation in destroyed
    worker_round()  # the worker's periodic job issues it

    termination = services.termination_of(clinic)
    statement = bytes(termination.backup_statement)
    result = certificate.verify(statement)
    assert result.ok and result.kind == certificate.STATEMENT_FORMAT
    document = json.loads(statement)
    assert document["certificate_sha256"] == hashlib.sha256(bytes(termination.certificate)).hexdigest()
    assert document["root_key_generation"]["number"] == termination.root_generation
    assert document["root_key_generation"]["destroyed_at"]
    assert "unreadable in every backup" in document["statement"]["en"]
    assert issue_backup_statements() == []  # issued once
    call_command("certificate", "statements")
    assert "no backup statement due" in capsys.readouterr().out
    call_command("certificate", "show", clinic.slug, "--statement", "--pdf", "--out", str(tmp_path / "s.pdf"))
    assert certificate.verify((tmp_path / "s.pdf").read_bytes()).document == document

"""Chains written before keyed links (plain SHA-256) still verify, and keyed links begin where
the keystore says: an unkeyed link after that point, or a rewritten unkeyed prefix, is caught."""
import pytest

from klinika.audit import chain as chainlib
from klinika.audit.models import Action
from klinika.audit.services import record
from klinika.audit.verify import verify
from klinika.crypto import keystore
from klinika.crypto.models import AuditChainStart, DataKey
from klinika.tenancy.context import clinic_context

from . import intruder

pytestmark = pytest.mark.django_db


@pytest.fixture
def legacy(clinic):
    """A clinic as an installation from before keyed links left it: six SHA-256 links, no audit key."""
    chain = str(clinic.pk)
    with clinic_context(clinic):
        for i in range(5):
            record(Action.READ, object_type="patient", object_id=i)
    AuditChainStart.objects.using("keystore").filter(chain=chain).delete()
    DataKey.objects.using("keystore").filter(clinic_id=clinic.pk, purpose=DataKey.Purpose.AUDIT).delete()
    keystore.forget_cached_keys()
    intruder.relink(chain, 1, "sha256")  # what the old code wrote
    intruder.sql("UPDATE audit_auditchainhead SET keyed_from = NULL WHERE chain = %s", [chain])
    return clinic


def test_a_chain_from_before_keyed_links_verifies_and_says_its_links_are_unkeyed(legacy):
    report = verify(legacy.pk)
    assert report.ok, report.problems
    assert report.keyed_from is None and report.events == 6


def test_the_first_append_after_the_upgrade_starts_keyed_links_and_seals_the_prefix(legacy):
    with clinic_context(legacy):
        record(Action.READ, object_type="patient", object_id=99)
    start = AuditChainStart.objects.using("keystore").get(chain=str(legacy.pk))
    events = intruder.events(str(legacy.pk))
    assert start.keyed_from == 7 and start.head_hash == events[5].hash
    assert [e.link_version for e in events] == [chainlib.UNKEYED] * 6 + [chainlib.KEYED]
    assert DataKey.objects.using("keystore").filter(clinic_id=legacy.pk, purpose="audit", state="active").exists()
    report = verify(legacy.pk)
    assert report.ok and report.keyed_from == 7, report.problems


def test_an_unkeyed_link_after_the_switch_is_not_accepted(legacy):
    with clinic_context(legacy):
        record(Action.READ, object_type="patient", object_id=99)
    intruder.sql("UPDATE audit_auditevent SET reason = 'changed' WHERE chain = %s AND seq = 7", [str(legacy.pk)])
    intruder.relink(str(legacy.pk), 7, "sha256")
    report = verify(legacy.pk)
    assert report.first_bad.seq == 7 and "unkeyed link" in report.first_bad.detail


def test_the_unkeyed_prefix_cannot_be_rewritten_after_the_switch(legacy):
    with clinic_context(legacy):
        record(Action.READ, object_type="patient", object_id=99)
    chain = str(legacy.pk)
    intruder.sql("UPDATE audit_auditevent SET actor_id = 4242 WHERE chain = %s AND seq = 2", [chain])
    intruder.relink(chain, 2, "sha256")  # valid SHA-256 links up to #6; #7 cannot be rekeyed
    report = verify(legacy.pk)
    assert not report.ok
    assert any(p.seq == 6 and "keystore recorded" in p.detail for p in report.problems), report.problems
    assert any(p.seq == 7 for p in report.problems)


def test_a_chain_cannot_claim_keyed_links_the_keystore_does_not_know(legacy):
    intruder.sql("UPDATE audit_auditevent SET link_version = 2 WHERE chain = %s AND seq = 4", [str(legacy.pk)])
    assert verify(legacy.pk).first_bad.seq == 4

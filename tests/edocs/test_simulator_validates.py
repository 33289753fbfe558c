"""The offline simulator checks a submission as the platform would, on its own, and answers accordingly."""
import datetime

import pytest
from django.utils import timezone

from klinika.edocs.gateway import GatewayUnavailable, Submission, simulator

TODAY = datetime.date(2026, 3, 2)


def _rx(**changes) -> dict:
    return {"drug": {"name": "Ramiprilum", "gtin": "2005900000196"}, "category": "", "dosage": "1 x 1",
            "quantity": 1, "payment_level": "30%", "entitlement": "", "kind": "ordinary", "valid_from": None,
            "validity_days": 30, "supply_days": None, "issued_on": TODAY.isoformat()} | changes


def _submission(kind="rx", documents=None, **changes) -> Submission:
    fields = {"kind": kind, "clinic_id": "c-1", "issued_at": timezone.now(),
              "issuer": {"licence": "5425740", "name": "lek. X"}, "patient": {"pesel": "80051712345"},
              "documents": documents if documents is not None else [{"number": "RX-2026-000001", "content": _rx()}],
              "access_code": "0421"} | changes
    return Submission(**fields)


@pytest.fixture(autouse=True)
def _empty_registry():
    simulator.registry.documents.clear()
    simulator.registry.numbers.clear()


def test_a_good_package_is_registered_with_one_id_per_prescription():
    documents = [{"number": f"RX-2026-00000{n}", "content": _rx()} for n in range(1, 4)]
    result = simulator.SimulatedPlatform().submit(_submission(documents=documents))
    assert result.accepted and len(set(result.platform_ids)) == 3 and result.access_code == "0421"
    platform = simulator.SimulatedPlatform()
    assert platform.status("rx", "c-1", result.platform_ids[0]) == "registered"
    assert platform.cancel("rx", "c-1", result.platform_ids[0], "error").accepted
    assert platform.status("rx", "c-1", result.platform_ids[0]) == "cancelled"
    assert not platform.cancel("rx", "c-1", result.platform_ids[0], "error").accepted


@pytest.mark.parametrize(("changes", "expected"), [
    ({"documents": [{"number": f"RX-2026-00001{n}", "content": _rx()} for n in range(6)]}, "REJ-PACKAGE-SIZE"),
    ({"documents": [{"number": "RX-26-1", "content": _rx()}]}, "REJ-NUMBER-FORMAT"),
    ({"issuer": {"licence": "5425741"}}, "REJ-ISSUER"),
    ({"patient": {"pesel": "80051712346"}}, "REJ-PATIENT-ID"),
    ({"access_code": "12a4"}, "REJ-ACCESS-CODE"),
    ({"documents": [{"number": "RX-2026-000001", "content": _rx(category="antibiotic", validity_days=8)}]},
     "REJ-VALIDITY"),
    ({"documents": [{"number": "RX-2026-000001", "content": _rx(validity_days=90)}]}, "REJ-SUPPLY"),
    ({"documents": [{"number": "RX-2026-000001", "content": _rx(payment_level="40%")}]}, "REJ-PAYMENT-LEVEL"),
    ({"documents": [{"number": "RX-2026-000001", "content": _rx(drug={"name": "X", "gtin": "2005900000190"})}]},
     "REJ-GTIN"),
])
def test_a_bad_prescription_is_rejected_with_a_reason(changes, expected):
    result = simulator.SimulatedPlatform().submit(_submission(**changes))
    assert not result.accepted and expected in result.reason and result.platform_ids == []


def test_sick_leave_and_referral_checks():
    leave = {"from": "2026-02-27", "to": "2026-03-06", "icd10": "J06.9", "letter_codes": ["B"], "omit_codes": ["B"],
             "indication": 1, "payer_nip": "5260250274", "issued_on": TODAY.isoformat()}
    platform = simulator.SimulatedPlatform()
    ok = platform.submit(_submission("zla", [{"number": "ZLA-2026-000001", "content": leave}], access_code=""))
    assert ok.accepted and ok.platform_ids[0].startswith("ZUS-ZLA-")
    backdated = platform.submit(_submission("zla", [{"number": "ZLA-2026-000002",
                                                     "content": leave | {"from": "2026-02-26"}}], access_code=""))
    assert "REJ-BACKDATED" in backdated.reason
    bad_nip = platform.submit(_submission("zla", [{"number": "ZLA-2026-000003",
                                                   "content": leave | {"payer_nip": "1234567890"}}]))
    assert "REJ-PAYER" in bad_nip.reason
    referral = {"kind": "02.10", "icd10": "J20.9", "icd9": [], "purpose": "RTG"}
    assert "REJ-ICD9" in platform.submit(_submission("ref", [{"number": "SK-2026-000001",
                                                              "content": referral}])).reason


def test_the_same_number_with_other_content_is_a_duplicate():
    platform = simulator.SimulatedPlatform()
    assert platform.submit(_submission()).accepted
    again = platform.submit(_submission(documents=[{"number": "RX-2026-000001", "content": _rx(quantity=2)}]))
    assert not again.accepted and "REJ-DUPLICATE-NUMBER" in again.reason


def test_injected_outage_and_rejection():
    platform = simulator.SimulatedPlatform()
    with simulator.outage(calls=2):
        for _ in range(2):
            with pytest.raises(GatewayUnavailable):
                platform.submit(_submission())
        assert platform.submit(_submission()).accepted
    with simulator.rejecting("REJ-TEST: injected"):
        assert platform.submit(_submission()).reason == "REJ-TEST: injected"

"""ENISA 2013: SE = DPC x EI + CB, each factor with its value and reasons; the level bands."""
from types import SimpleNamespace

import pytest

from klinika.breach import severity


def incident(recipients="unknown", malicious=True, integrity="none", availability="none"):
    return SimpleNamespace(recipients=recipients, malicious=malicious, integrity_loss=integrity,
                           availability_loss=availability)


def scope(categories, readable, patients=10):
    return {"categories": {c: {"people": 1, "records": 1} for c in categories}, "readable": readable,
            "people": {"patients": patients}}


@pytest.mark.parametrize("score, level", [
    (0.0, "low"), (1.99, "low"), (2.0, "medium"), (2.99, "medium"), (3.0, "high"), (3.99, "high"),
    (4.0, "very_high"), (5.5, "very_high")])
def test_levels(score, level):
    assert severity.level_for(score) == level


@pytest.mark.parametrize("categories, readable, inc, dpc, ei, cb, score, level", [
    # health data readable, stolen: 4 x 1 + 0.5 + 0.5
    (["identifiers", "health"], True, incident(), 4.0, 1.0, 1.0, 5.0, "very_high"),
    # the same as ciphertext, keys not exposed: 4 x 0.25 + 1
    (["identifiers", "health"], False, incident(), 4.0, 0.25, 1.0, 2.0, "medium"),
    # appointments with a specialty count as health data
    (["identifiers", "appointments"], True, incident(recipients="known", malicious=False), 4.0, 1.0, 0.25, 4.25,
     "very_high"),
    # only identifiers and contacts of a clinic's patients: simple data + clinic context
    (["identifiers", "contact"], True, incident(recipients="known", malicious=False), 3.0, 1.0, 0.25, 3.25, "high"),
    # staff only, sent by mistake to one known recipient
    (["staff"], True, incident(recipients="known", malicious=False), 1.0, 1.0, 0.25, 1.25, "low"),
    # nothing of real people (a test environment), but an attack
    ([], False, incident(), 1.0, 0.25, 1.0, 1.25, "low"),
    # integrity and availability lost for good, accidental, nobody outside
    (["identifiers", "health"], True, incident("none", False, "permanent", "recoverable"), 4.0, 1.0, 0.75, 4.75,
     "very_high"),
])
def test_factors(categories, readable, inc, dpc, ei, cb, score, level):
    result = severity.assess(inc, scope(categories, readable, patients=0 if categories == ["staff"] else 10))
    assert (result.dpc.value, result.ei.value, result.cb.value) == (dpc, ei, cb)
    assert result.score == score and result.level == level
    data = result.as_dict()
    for name in ("dpc", "ei", "cb"):
        assert data[name]["reasons"], name
        assert all(severity.reason_text(code) != code for code in data[name]["reasons"])  # every reason has a text

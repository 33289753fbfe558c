"""A pseudonymous PESEL never holds a source phone number in any 9 of its digits, and a
pseudonymous phone (as written, "+48 …") is never a source PESEL: the scanner looks for source
numbers in every window of a string's digits, so such a coincidence would refuse the whole run
(at 100,000 patients one is all but certain)."""
import datetime

from klinika.testdata.anonymize import RunSecret
from klinika.testdata.anonymize.pseudonyms import Pseudonyms, digits
from klinika.testdata.anonymize.scanner import Scanner, SourceIdentifiers

KEY = bytes(range(32))
BIRTH = datetime.date(1985, 3, 12)


def _run(phones=(), pesels=()):
    return Pseudonyms(RunSecret(KEY), name_table={}, phones=phones, pesels=pesels)


def test_a_pesel_that_would_hold_a_source_phone_is_drawn_again():
    unconstrained = _run().pesel("patient:1", BIRTH, "F")
    phones = [f"+48 {unconstrained[i:i + 9]}" for i in range(3)]  # every 9-digit window of it
    pesel = _run(phones=phones).pesel("patient:1", BIRTH, "F")
    assert pesel != unconstrained and pesel[:6] == unconstrained[:6]
    assert not {pesel[i:i + 9] for i in range(3)} & {digits(p)[-9:] for p in phones}
    source = SourceIdentifiers.from_records([{"id": 1, "first_name": "Ala", "last_name": "Ryś", "phone": p}
                                             for p in phones])
    assert list(Scanner(source).values(pesel)) == []
    assert [kind for kind, _ in Scanner(source).values(unconstrained)] == ["PHONE"] * 3


def test_a_phone_that_would_be_a_source_pesel_is_drawn_again():
    unconstrained = _run().phone("patient:1")
    as_pesel = "48" + digits(unconstrained)[2:]
    phone = _run(pesels={as_pesel}).phone("patient:1")
    assert phone != unconstrained and digits(phone) != as_pesel
    assert _run().pesel("patient:2", BIRTH, "M") == _run().pesel("patient:2", BIRTH, "M")

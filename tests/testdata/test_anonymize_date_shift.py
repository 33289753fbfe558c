"""Each patient's dates (birth, appointment start, end and booking, note) move by one offset of
1-180 days either way, so every interval between them survives exactly; no birth date moves
past today; dates written in a note move with them."""
import datetime
import re

from tests.testdata.anonymize_support import FIXED_KEY, REFERENCE_DATE, anonymized_with_known_key, clinic, id_of

VISIT_DATE = re.compile(r"(?:Wizyta kontrolna|z dnia) (\d\d\.\d\d\.\d{4})")


def _date(text: str) -> datetime.date:
    return datetime.datetime.strptime(text, "%d.%m.%Y").date()


def test_every_date_of_a_patient_moves_by_the_same_offset():
    records = anonymized_with_known_key()
    source = clinic()
    patients = {p["id"]: p for p in records["patients"]}
    appointments = {a["id"]: a for a in records["appointments"]}
    notes = {n["id"]: n for n in records["notes"]}
    offsets = {}
    for person in source["patients"]:
        new = patients.get(id_of(FIXED_KEY, "patient", person["id"]))
        if new is not None:
            offset = (new["birth_date"] - person["birth_date"]).days
            assert 1 <= abs(offset) <= 180
            assert new["birth_date"] <= REFERENCE_DATE
            offsets[person["id"]] = datetime.timedelta(days=offset)
    checked = text_dates = 0
    for a in source["appointments"]:
        if a["patient"] in offsets:
            new = appointments[id_of(FIXED_KEY, "appointment", a["id"])]
            shift = offsets[a["patient"]]
            assert (new["starts_at"], new["ends_at"], new["booked_at"]) == (
                a["starts_at"] + shift, a["ends_at"] + shift, a["booked_at"] + shift)
            checked += 1
    for n in source["notes"]:
        if n["patient"] in offsets:
            new = notes[id_of(FIXED_KEY, "note", n["id"])]
            assert new["written_at"] == n["written_at"] + offsets[n["patient"]]
            for old_date, new_date in zip(VISIT_DATE.findall(n["text"]), VISIT_DATE.findall(new["text"]),
                                          strict=True):
                assert _date(new_date) - _date(old_date) == offsets[n["patient"]]
                text_dates += 1
            checked += 1
    assert checked > 1500 and text_dates > 50
    assert len(set(offsets.values())) > 100

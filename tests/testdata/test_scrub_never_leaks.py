"""Property: whatever surrounds them, a planted PESEL, phone number or e-mail never survives
scrubbing — with the person's own identifiers, and by the patterns alone between words."""
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klinika.testdata.scrub import Scrubber
from klinika.testdata.synthetic import SyntheticPeople

PEOPLE = [SyntheticPeople(seed=s).patient() for s in range(40)]
WORDS = ["ból", "głowy", "RR", "120/80", "mmHg", "5", "mg", "37,2", "kontrola", "za", "3", "dni", "tel.", "PESEL",
         "nr", "e-mail:", "(", ")", ",", "—", "12.03.2025", "ur.", "Pacjentka", "zgłasza", "kaszel", "x2"]
_SEPARATORS = re.compile(r"[\s().+-]")


def _phone_forms(phone: str) -> list[str]:
    d = re.sub(r"\D", "", phone)[-9:]
    return [f"+48 {d[:3]} {d[3:6]} {d[6:]}", f"{d[:3]}-{d[3:6]}-{d[6:]}", d, f"0048{d}",
            f"({d[:2]}) {d[2:5]} {d[5:7]} {d[7:]}"]


@st.composite
def note(draw, filler):
    person = draw(st.sampled_from(PEOPLE))
    values = [person["pesel"], draw(st.sampled_from(_phone_forms(person["phone"]))), person["email"]]
    parts = [draw(filler) for _ in range(4)]
    order = draw(st.permutations(values))
    text = parts[0] + "".join(v + p for v, p in zip(order, parts[1:], strict=True))
    return person, text


def _survivors(person, scrubbed: str) -> list[str]:
    compact = _SEPARATORS.sub("", scrubbed)
    phone = re.sub(r"\D", "", person["phone"])[-9:]
    return [v for v in (person["pesel"], phone) if v in compact] + (
        [person["email"]] if person["email"].lower() in scrubbed.lower() else [])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(note(st.text(max_size=12)))
def test_own_identifiers_never_survive_any_surroundings(case):
    person, text = case
    scrubbed, _ = Scrubber(person).scrub(text)
    assert _survivors(person, scrubbed) == [], (text, scrubbed)


@settings(max_examples=300, deadline=None)
@given(note(st.lists(st.sampled_from(WORDS), max_size=4).map(lambda ws: " " + " ".join(ws) + " ")))
def test_patterns_alone_remove_them_between_words(case):
    person, text = case
    scrubbed, _ = Scrubber().scrub(text)
    assert _survivors(person, scrubbed) == [], (text, scrubbed)

"""The demo clinic's patients, imported as a clinic that moves to klinika brings its registry.

They go in through patients.services.bulk.import_patients, the path real imports and the synthetic
generator share: every row passes the registration desk's own rules (PESEL, identity documents,
contacts and consents, a guardian for a minor), is sealed under the patient's own key with its
blind indexes, gets its identifier history and one audit event. The people are generated
(SyntheticPeople), never real. What happens to them from today on goes through the desk's services
(a newborn's own PESEL replaces its mother's).
"""
import datetime
import random
from dataclasses import dataclass

from klinika.audit.context import Actor
from klinika.patients import services
from klinika.patients.models import ContactChannel, GuardianRelation, IdentifierNote, Patient
from klinika.patients.services.bulk import import_patients
from klinika.testdata.demo_desk import Desk, working_as
from klinika.testdata.demo_stories import ADULT
from klinika.testdata.synthetic import SyntheticPeople

ID_CARD_SHARE = 0.3  # adults whose ID card the desk records as well as the PESEL
EMAIL_PREFERRED = 0.25  # of those who agree to both SMS and e-mail, the share who prefer e-mail
OWN_PHONE_AGE = 13  # a younger child is reached through the guardian only
FOREIGNERS = 2  # patients without a PESEL, registered with a foreign passport
NEWBORNS = 2  # babies registered with their mother's PESEL; the second has since received its own


@dataclass
class Registered:
    patient: Patient
    sex: str
    age: int
    data: dict  # what the desk entered


def register_demo_patients(desk: Desk, people: SyntheticPeople, rng: random.Random, count: int,
                           today: datetime.date, progress=None, *, actor: Actor) -> list[Registered]:
    """`count` generated people (a parent first for each minor), newborns, foreigners; imported at once."""
    rows = []

    def add(person: dict) -> dict:
        row = person | {"id": len(rows)}
        rows.append(row)
        return row

    for _n in range(count):
        person = people.patient()
        age = years_between(person["birth_date"], today)
        if age < ADULT:
            parent = add(people.parent_of(person))
            relation = GuardianRelation.MOTHER if parent["sex"] == "F" else GuardianRelation.FATHER
            person = _as_minor(person, age) | {"guardian": parent["id"], "guardian_relation": relation}
        else:
            person = _with_consents(people, rng, person)
            if rng.random() < ID_CARD_SHARE:
                person = people.with_id_card(person)
        add(person)
    mothers = [row for row in rows if row["sex"] == "F" and 20 <= years_between(row["birth_date"], today) <= 40
               and row.get("pesel") and row.get("guardian") is None]
    babies = [add(people.newborn(mother) | {"guardian": mother["id"]})
              for mother in rng.sample(mothers, min(NEWBORNS, len(mothers)))]
    for _n in range(FOREIGNERS):
        add(people.foreigner())
    ids = import_patients(desk.clinic, rows, actor=actor).ids
    stored = Patient.objects.in_bulk(list(ids.values()))
    registered = {row["id"]: Registered(stored[ids[row["id"]]], row["sex"], stored[ids[row["id"]]].age_on(today),
                                        row) for row in rows}
    if len(babies) == NEWBORNS:
        _own_pesel(desk, people, registered[babies[-1]["id"]])
    if progress:
        progress(count, count)
    return list(registered.values())


def years_between(born: datetime.date, day: datetime.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _with_consents(people: SyntheticPeople, rng: random.Random, person: dict) -> dict:
    person = person | people.consents(person)
    if person["consent_sms"] and person["consent_email"] and rng.random() < EMAIL_PREFERRED:
        person["preferred_channel"] = ContactChannel.EMAIL
    return person


def _as_minor(person: dict, age: int) -> dict:
    """A child has no e-mail of its own; a teenager may have a phone; messages go to the guardian."""
    return person | {"phone": person["phone"] if age >= OWN_PHONE_AGE else "", "email": "",
                     "consent_sms": False, "consent_email": False, "preferred_channel": ContactChannel.NONE}


def _own_pesel(desk: Desk, people: SyntheticPeople, baby: Registered):
    """The registry office has given the baby its own PESEL: the desk replaces the mother's."""
    registrar = desk.registrar()
    own = people.own_pesel(baby.patient.birth_date, baby.patient.sex)
    with working_as(registrar):
        baby.patient = services.update_patient(registrar, baby.patient.pk, {"pesel": own, "pesel_is_mothers": False},
                                               identifier_reason=IdentifierNote.OWN_PESEL)

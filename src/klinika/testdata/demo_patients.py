"""The demo clinic's patients, registered at the desk through the registry's own service.

Every patient goes through `register_patient` as a registrar would enter them: the same checks
(PESEL, identity documents, contacts and consents, a guardian for a minor), the same identifier
history and the same audit events. The people are generated (SyntheticPeople), never real.
"""
import datetime
import random
from dataclasses import dataclass

from klinika.patients import services
from klinika.patients.models import ContactChannel, GuardianRelation, IdentifierNote, Patient
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
                           today: datetime.date, progress=None) -> list[Registered]:
    """`count` generated people (a parent registered first for each minor), newborns, foreigners."""
    registered = []
    for n in range(count):
        person = people.patient()
        age = years_between(person["birth_date"], today)
        if age < ADULT:
            parent = people.parent_of(person)
            guardian = _register(desk, parent, today)
            registered.append(guardian)
            relation = GuardianRelation.MOTHER if parent["sex"] == "F" else GuardianRelation.FATHER
            person = _as_minor(person, age) | {"guardian_id": guardian.patient.pk, "guardian_relation": relation}
        else:
            person = _with_consents(people, rng, person)
            if rng.random() < ID_CARD_SHARE:
                person = people.with_id_card(person)
        registered.append(_register(desk, person, today))
        if progress:
            progress(n + 1, count)
    registered += _newborns(desk, people, rng, registered, today)
    registered += [_register(desk, people.foreigner(), today) for _ in range(FOREIGNERS)]
    return registered


def years_between(born: datetime.date, day: datetime.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _register(desk: Desk, data: dict, today: datetime.date) -> Registered:
    registrar = desk.registrar()
    with working_as(registrar):
        try:
            patient = services.register_patient(registrar, data)
        except services.PossibleDuplicates:
            # Generated people may share a surname and a birth date: the registrar checks and goes on.
            patient = services.register_patient(registrar, data, confirm_duplicates=True)
    return Registered(patient, patient.sex, patient.age_on(today), data)


def _with_consents(people: SyntheticPeople, rng: random.Random, person: dict) -> dict:
    person = person | people.consents(person)
    if person["consent_sms"] and person["consent_email"] and rng.random() < EMAIL_PREFERRED:
        person["preferred_channel"] = ContactChannel.EMAIL
    return person


def _as_minor(person: dict, age: int) -> dict:
    """A child has no e-mail of its own; a teenager may have a phone; messages go to the guardian."""
    return person | {"phone": person["phone"] if age >= OWN_PHONE_AGE else "", "email": "",
                     "consent_sms": False, "consent_email": False, "preferred_channel": ContactChannel.NONE}


def _newborns(desk, people, rng, registered, today) -> list[Registered]:
    mothers = [r for r in registered
               if r.sex == "F" and 20 <= r.age <= 40 and r.patient.pesel and not r.patient.guardian_id]
    babies = []
    for n, mother in enumerate(rng.sample(mothers, min(NEWBORNS, len(mothers)))):
        baby = _register(desk, people.newborn(mother.data) | {"guardian_id": mother.patient.pk}, today)
        if n == 1:
            registrar = desk.registrar()
            own = people.own_pesel(baby.patient.birth_date, baby.patient.sex)
            with working_as(registrar):
                baby.patient = services.update_patient(registrar, baby.patient.pk,
                                                       {"pesel": own, "pesel_is_mothers": False},
                                                       identifier_reason=IdentifierNote.OWN_PESEL)
        babies.append(baby)
    return babies

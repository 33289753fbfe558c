"""Synthetic people: generated, never real. Valid PESELs (checked with stdnum)."""
import datetime
import random
import string

from faker import Faker
from stdnum.pl import pesel as pesel_check


class SyntheticPeople:
    def __init__(self, seed: int | None = None):
        self.seed = seed
        self.faker = Faker("pl_PL")
        self.random = random.Random(seed)
        # Every PESEL given out once: one PESEL, one patient holds in a clinic, so a generator
        # that repeated one would make two people one.
        self._pesels: set[str] = set()
        if seed is not None:
            self.faker.seed_instance(seed)

    def _birth_date(self, min_age=0, max_age=95) -> datetime.date:
        today = datetime.date.today()
        days = self.random.randint(min_age * 365, max_age * 365)
        return today - datetime.timedelta(days=days)

    def patient(self) -> dict:
        sex = self.random.choice("MF")
        birth_date = self._birth_date()
        number = self._new_pesel(self.faker, birth_date, sex)
        first = self.faker.first_name_male() if sex == "M" else self.faker.first_name_female()
        last = self.faker.last_name_male() if sex == "M" else self.faker.last_name_female()
        return {
            "first_name": first,
            "last_name": last,
            "pesel": number,
            "birth_date": birth_date,
            "sex": sex,
            "address": {
                "street": self.faker.street_name(),
                "building": self.faker.building_number(),
                "postal_code": self.faker.postcode(),
                "city": self.faker.city(),
                "country": "PL",
            },
            "phone": self.phone(),
            "email": self.faker.unique.ascii_safe_email(),
        }

    def phone(self) -> str:
        first = f"{self.random.choice('5678')}{self.random.randint(10, 99)}"
        return f"+48 {first} {self.random.randint(100, 999)} {self.random.randint(100, 999)}"

    # --- identity documents, consents, families ------------------------------------------
    # These draw from their own generators, so that a seed gives the same people from
    # patient() and staff() as it did before these existed, whatever else is asked for.

    def _extra(self):
        if not hasattr(self, "_extra_random"):
            seed = None if self.seed is None else self.seed + 1
            self._extra_random = random.Random(seed)
            self._extra_faker = Faker("pl_PL")
            self._foreign_faker = Faker("uk_UA")
            if seed is not None:
                self._extra_faker.seed_instance(seed)
                self._foreign_faker.seed_instance(seed)
        return self._extra_random

    def id_card_number(self) -> str:
        """A Polish ID card number with a valid check digit (3 letters, check digit, 5 digits)."""
        self._extra()
        return self._extra_faker.identity_card_number()

    def passport_number(self) -> str:
        """A Polish passport number with a valid check digit (2 letters, check digit, 6 digits)."""
        rng = self._extra()
        letters = "".join(rng.choice(string.ascii_uppercase) for _ in range(2))
        digits = "".join(rng.choice(string.digits) for _ in range(6))
        values = [ord(c) - ord("A") + 10 for c in letters] + [int(d) for d in digits]
        check = sum(v * w for v, w in zip(values, (7, 3, 1, 7, 3, 1, 7, 3), strict=True)) % 10
        return f"{letters}{check}{digits}"

    def consents(self, person: dict) -> dict:
        """Consent per channel (only for a contact the person has) and a preferred channel that fits."""
        rng = self._extra()
        sms = bool(person.get("phone")) and rng.random() < 0.85
        email = bool(person.get("email")) and rng.random() < 0.5
        channel = "sms" if sms else "email" if email else "none"
        return {"consent_sms": sms, "consent_email": email, "preferred_channel": channel}

    def with_id_card(self, person: dict) -> dict:
        return person | {"document_type": "id_card", "document_country": "PL", "document_number": self.id_card_number()}

    def foreigner(self) -> dict:
        """A patient without a PESEL, identified by a foreign passport (taken as written)."""
        rng = self._extra()
        sex = rng.choice("MF")
        faker = self._foreign_faker
        birth_date = datetime.date.today() - datetime.timedelta(days=rng.randint(18 * 365, 70 * 365))
        person = {
            "first_name": faker.first_name_male() if sex == "M" else faker.first_name_female(),
            "last_name": faker.last_name_male() if sex == "M" else faker.last_name_female(),
            "pesel": "", "birth_date": birth_date, "sex": sex,
            "document_type": "passport", "document_country": "UA",
            "document_number": "".join(rng.choice(string.ascii_uppercase) for _ in range(2))
            + "".join(rng.choice(string.digits) for _ in range(6)),
            "phone": f"+380 {rng.randint(50, 99)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
            "email": "",
        }
        return person | self.consents(person)

    def newborn(self, mother: dict) -> dict:
        """A baby days old, recorded with the mother's PESEL until it gets its own."""
        rng = self._extra()
        sex = rng.choice("MF")
        faker = self._extra_faker
        return {
            "first_name": faker.first_name_male() if sex == "M" else faker.first_name_female(),
            "last_name": _surname_for(mother["last_name"], sex),
            "pesel": mother["pesel"], "pesel_is_mothers": True,
            "birth_date": datetime.date.today() - datetime.timedelta(days=rng.randint(0, 30)), "sex": sex,
            "address": mother.get("address"), "guardian_relation": "mother",
            "consent_sms": False, "consent_email": False, "preferred_channel": "none",
        }

    def child(self, parent: dict, relation: str = "mother") -> dict:
        """A minor with a PESEL of its own, living with the parent."""
        rng = self._extra()
        sex = rng.choice("MF")
        faker = self._extra_faker
        birth_date = datetime.date.today() - datetime.timedelta(days=rng.randint(365, 17 * 365))
        number = self._new_pesel(faker, birth_date, sex)
        return {
            "first_name": faker.first_name_male() if sex == "M" else faker.first_name_female(),
            "last_name": _surname_for(parent["last_name"], sex), "pesel": number, "birth_date": birth_date,
            "sex": sex, "address": parent.get("address"), "guardian_relation": relation,
            "consent_sms": False, "consent_email": False, "preferred_channel": "none",
        }

    def parent_of(self, child: dict) -> dict:
        """An adult parent of `child` (a minor): 20 to 40 years older, same surname and home, own contacts."""
        rng = self._extra()
        sex = rng.choice("MF")
        faker = self._extra_faker
        birth_date = child["birth_date"] - datetime.timedelta(days=rng.randint(20 * 365, 40 * 365))
        person = {
            "first_name": faker.first_name_male() if sex == "M" else faker.first_name_female(),
            "last_name": _surname_for(child["last_name"], sex), "pesel": self._new_pesel(faker, birth_date, sex),
            "birth_date": birth_date, "sex": sex, "address": child.get("address"), "phone": self._extra_phone(),
            "email": faker.unique.ascii_free_email() if rng.random() < 0.7 else "",
        }
        return person | self.consents(person)

    def own_pesel(self, birth_date: datetime.date, sex: str) -> str:
        """A valid PESEL for this birth date and sex (a newborn's, once the registry office gives one)."""
        self._extra()
        return self._new_pesel(self._extra_faker, birth_date, sex)

    def _new_pesel(self, faker, birth_date: datetime.date, sex: str) -> str:
        """A PESEL no one of these people has had yet (drawn again on the rare repeat)."""
        number = _pesel(faker, birth_date, sex)
        while number in self._pesels:
            number = _pesel(faker, birth_date, sex)
        self._pesels.add(number)
        return number

    def _extra_phone(self) -> str:
        rng = self._extra()
        return f"+48 {rng.choice('5678')}{rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(100, 999)}"

    def staff(self) -> dict:
        sex = self.random.choice("MF")
        first = self.faker.first_name_male() if sex == "M" else self.faker.first_name_female()
        last = self.faker.last_name_male() if sex == "M" else self.faker.last_name_female()
        return {"first_name": first, "last_name": last, "email": self.faker.unique.ascii_company_email(),
                "phone": self.phone()}


def _pesel(faker, birth_date: datetime.date, sex: str) -> str:
    while True:
        number = faker.pesel(date_of_birth=datetime.datetime.combine(birth_date, datetime.time()), sex=sex)
        if pesel_check.is_valid(number) and pesel_check.get_birth_date(number) == birth_date:
            return number


def _surname_for(surname: str, sex: str) -> str:
    """Polish surnames ending in -ska/-cka/-dzka take -ski/-cki/-dzki for a man, and back."""
    endings = [("ska", "ski"), ("cka", "cki"), ("dzka", "dzki")]
    for female, male in endings:
        if sex == "M" and surname.endswith(female):
            return surname[: -len(female)] + male
        if sex == "F" and surname.endswith(male):
            return surname[: -len(male)] + female
    return surname

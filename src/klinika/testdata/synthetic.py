"""Synthetic people: generated, never real. Valid PESELs (checked with stdnum)."""
import datetime
import random

from faker import Faker
from stdnum.pl import pesel as pesel_check


class SyntheticPeople:
    def __init__(self, seed: int | None = None):
        self.faker = Faker("pl_PL")
        self.random = random.Random(seed)
        if seed is not None:
            self.faker.seed_instance(seed)

    def _birth_date(self, min_age=0, max_age=95) -> datetime.date:
        today = datetime.date.today()
        days = self.random.randint(min_age * 365, max_age * 365)
        return today - datetime.timedelta(days=days)

    def patient(self) -> dict:
        sex = self.random.choice("MF")
        birth_date = self._birth_date()
        while True:
            number = self.faker.pesel(date_of_birth=datetime.datetime.combine(birth_date, datetime.time()), sex=sex)
            if pesel_check.is_valid(number) and pesel_check.get_birth_date(number) == birth_date:
                break
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

    def staff(self) -> dict:
        sex = self.random.choice("MF")
        first = self.faker.first_name_male() if sex == "M" else self.faker.first_name_female()
        last = self.faker.last_name_male() if sex == "M" else self.faker.last_name_female()
        return {"first_name": first, "last_name": last, "email": self.faker.unique.ascii_company_email(),
                "phone": self.phone()}

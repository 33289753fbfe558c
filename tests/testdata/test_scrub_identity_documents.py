"""Identity card (3 letters, 6 digits) and passport (2 letters, 7 digits) numbers, by their
published check digits (see klinika.testdata.scrub.checks); the generators of the synthetic
people and Faker compute the same digits."""
from faker import Faker

from klinika.testdata.scrub import checks
from klinika.testdata.synthetic import SyntheticPeople
from tests.testdata.scrub_support import clean, kinds


def test_the_published_examples_check():
    assert checks.is_id_card("ABA300000")     # the example of Faker's pl_PL provider and Wikipedia
    assert not checks.is_id_card("ABA300001")
    assert not checks.is_id_card("AB1300000")


def test_generated_numbers_check_and_one_changed_digit_does_not():
    people, faker = SyntheticPeople(seed=5), Faker("pl_PL")
    faker.seed_instance(5)
    for _ in range(200):
        card, passport = faker.identity_card_number(), people.passport_number()
        assert checks.is_id_card(card) and checks.is_passport(passport)
        assert not checks.is_id_card(card[:-1] + str((int(card[-1]) + 1) % 10))
        assert not checks.is_passport(passport[:-1] + str((int(passport[-1]) + 1) % 10))


def test_an_identity_card_number_is_taken():
    card = Faker("pl_PL").identity_card_number()
    text = f"Tożsamość potwierdzono dowodem {card}, bez uwag."
    assert kinds(text) == [("DOWÓD", card)]
    assert clean(text) == "Tożsamość potwierdzono dowodem [DOWÓD], bez uwag."


def test_a_passport_number_is_taken():
    passport = SyntheticPeople(seed=6).passport_number()
    assert kinds(f"Paszport nr {passport}.") == [("PASZPORT", passport)]


def test_letters_and_digits_with_a_wrong_check_digit_stay():
    assert kinds("Szczepionka partia ABC123456, lot XY1234567.") == []

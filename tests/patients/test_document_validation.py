"""Identity documents: Polish ID cards and passports carry a check digit, foreign ones are free form."""
import pytest
from django.core.exceptions import ValidationError

from klinika.patients import validators
from klinika.patients.models import DocumentType


@pytest.mark.parametrize("number", ["ABA300000", "AYW036733", "APH505567", "aba 300000", "ABA-300000"])
def test_valid_polish_id_cards_are_accepted_and_compacted(number):
    assert validators.clean_document_number(DocumentType.ID_CARD, number, "PL") == number.upper().replace(
        " ", "").replace("-", "")


@pytest.mark.parametrize("number, message", [
    ("AYW036731", "check digit is wrong"),
    ("ABA400000", "check digit is wrong"),
    ("AB1300000", "3 letters and 6 digits"),
    ("ABA30000", "3 letters and 6 digits"),
    ("ĄBA300000", "3 letters and 6 digits"),
])
def test_invalid_polish_id_cards_are_refused_with_the_reason(number, message):
    with pytest.raises(ValidationError, match=message):
        validators.clean_document_number(DocumentType.ID_CARD, number, "PL")


def test_polish_passports_need_2_letters_7_digits_and_a_right_check_digit():
    assert validators.clean_document_number(DocumentType.PASSPORT, "CC7999486", "PL") == "CC7999486"
    with pytest.raises(ValidationError, match="check digit"):
        validators.clean_document_number(DocumentType.PASSPORT, "CC8999486", "PL")
    with pytest.raises(ValidationError, match="2 letters and 7 digits"):
        validators.clean_document_number(DocumentType.PASSPORT, "C79994861", "PL")


@pytest.mark.parametrize("document_type", [DocumentType.PASSPORT, DocumentType.ID_CARD])
def test_foreign_documents_are_taken_as_written(document_type):
    assert validators.clean_document_number(document_type, "fe 123-456", "UA") == "FE123456"
    assert validators.clean_document_number(document_type, "C01X00T47", "DE") == "C01X00T47"


def test_residence_cards_are_2_letters_and_7_digits():
    assert validators.clean_document_number(DocumentType.RESIDENCE_CARD, "RP 1234567", "PL") == "RP1234567"
    with pytest.raises(ValidationError, match="residence card"):
        validators.clean_document_number(DocumentType.RESIDENCE_CARD, "RP12345", "PL")


def test_empty_too_long_and_control_characters_are_refused():
    with pytest.raises(ValidationError, match="Enter the document number"):
        validators.clean_document_number(DocumentType.OTHER, "  ", "PL")
    with pytest.raises(ValidationError, match="at most 40"):
        validators.clean_document_number(DocumentType.OTHER, "X" * 41, "PL")
    assert validators.clean_document_number(DocumentType.OTHER, "X" * 40, "PL") == "X" * 40
    with pytest.raises(ValidationError, match="cannot be typed"):
        validators.clean_document_number(DocumentType.OTHER, "AB\x00123", "PL")


@pytest.mark.parametrize("country", ["", "P", "POL", "P1", "ąę"])
def test_the_issuing_country_is_a_two_letter_code(country):
    with pytest.raises(ValidationError, match="two-letter code"):
        validators.clean_country(country)
    assert validators.clean_country(" ua ") == "UA"

"""Names: Polish letters, hyphens, apostrophes, limits; markup kept as text (escaped on output)."""
import pytest
from django.core.exceptions import ValidationError

from klinika.patients import validators


@pytest.mark.parametrize("name", ["Żaneta", "Łukasz", "Gżegżółka", "Nowak-Kowalska", "O'Connor", "O’Brien",
                                  "de la Cruz", "Jan III", "<script>alert('x')</script>"])
def test_real_names_and_markup_are_kept_exactly(name):
    assert validators.clean_last_name(name) == name


def test_outer_and_repeated_spaces_go_and_decomposed_letters_are_composed():
    assert validators.clean_first_name("  Anna   Maria ") == "Anna Maria"
    assert validators.clean_last_name("S\u0301wie\u0328cka") == "Święcka"


def test_a_name_at_the_limit_is_accepted_and_one_over_is_refused_with_the_numbers():
    assert validators.clean_first_name("Ą" * 100) == "Ą" * 100
    assert validators.clean_last_name("Ż" * 150) == "Ż" * 150
    with pytest.raises(ValidationError) as caught:
        validators.clean_first_name("Ą" * 101)
    assert caught.value.messages == ["The first name is too long: 101 characters, at most 100 are allowed."]
    with pytest.raises(ValidationError) as caught:
        validators.clean_last_name("Ż" * 151)
    assert caught.value.messages == ["The last name is too long: 151 characters, at most 150 are allowed."]


@pytest.mark.parametrize("name, message", [
    ("", "Enter the first name."),
    ("   ", "Enter the first name."),
    ("Anna\x00", "invisible or control characters"),
    ("An\u200bna", "invisible or control characters"),
    ("Anna\nMaria", "invisible or control characters"),
    ("'-'", "must contain letters"),
    ("Anna2", "cannot contain digits"),
])
def test_bad_names_are_refused_with_the_reason(name, message):
    with pytest.raises(ValidationError, match=message):
        validators.clean_first_name(name)

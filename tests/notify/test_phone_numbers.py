import pytest
from django.core.exceptions import ValidationError

from klinika.notify.phones import mask, to_msisdn


@pytest.mark.parametrize("written, msisdn", [
    ("+48 600 100 200", "48600100200"),
    ("600-100-200", "48600100200"),
    ("600100200", "48600100200"),
    ("0048 600 100 200", "48600100200"),
    ("+49 30 1234567", "49301234567"),
])
def test_numbers_become_international_digits(written, msisdn):
    assert to_msisdn(written) == msisdn


@pytest.mark.parametrize("written", ["", "   ", "12345", "600 100 20x", "<script>600100200</script>", "+0 600 100 200",
                                     "+48 600 100 200 300 400 500"])
def test_what_is_not_a_number_is_refused_with_a_message(written, english):
    with pytest.raises(ValidationError) as refused:
        to_msisdn(written)
    assert "phone number" in refused.value.messages[0]


def test_a_masked_number_keeps_only_its_last_three_digits():
    assert mask("48600100234") == "********234"
    assert "600100" not in mask("+48 600 100 234")

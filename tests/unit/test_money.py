from decimal import Decimal

import pytest

from services.common.gst.money import InvalidAmount, format_rupees, paise_to_decimal, to_paise


def test_decimal_rupees_become_exact_paise():
    assert to_paise(Decimal("1250.03"), "iamt") == 125003


@pytest.mark.parametrize(
    ("value", "paise"),
    [
        (0, 0),
        (118000, 11800000),
        (Decimal("25000.5"), 2500050),
        ("1250.03", 125003),
        (Decimal("1.500"), 150),
        (Decimal("1E+3"), 100000),
        ("0.1", 10),
    ],
)
def test_ints_decimals_and_decimal_text_are_accepted(value, paise):
    assert to_paise(value, "txval") == paise


def test_floats_are_refused_because_they_are_not_exact():
    with pytest.raises(InvalidAmount, match="txval: floats are not exact"):
        to_paise(1250.03, "txval")


def test_booleans_are_not_amounts():
    with pytest.raises(InvalidAmount, match="txval: must be an amount"):
        to_paise(True, "txval")


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_non_finite_amounts_are_refused(value):
    with pytest.raises(InvalidAmount, match="iamt: must be a finite number"):
        to_paise(value, "iamt")


@pytest.mark.parametrize("value", [-1, Decimal("-0.01"), "-5"])
def test_negative_amounts_are_refused(value):
    with pytest.raises(InvalidAmount, match="val: must not be negative"):
        to_paise(value, "val")


def test_three_decimal_places_are_refused_with_the_field_named():
    with pytest.raises(InvalidAmount) as caught:
        to_paise(Decimal("1.005"), "txval")
    assert str(caught.value) == "txval: must be at most 2 decimal places, got 1.005"


def test_fifteen_integer_digits_are_fine_but_sixteen_are_refused():
    assert to_paise(Decimal("999999999999999.99"), "val") == 99999999999999999
    with pytest.raises(InvalidAmount, match="at most 15 integer digits, got 16"):
        to_paise(Decimal("1000000000000000"), "val")
    with pytest.raises(InvalidAmount, match="got 30"):
        to_paise(10**29, "val")


@pytest.mark.parametrize("value", ["abc", "1,000", "", "1e3", None, [1]])
def test_junk_is_refused(value):
    with pytest.raises(InvalidAmount, match="val: must be"):
        to_paise(value, "val")


def test_paise_format_back_to_two_place_rupees():
    assert paise_to_decimal(125003) == Decimal("1250.03")
    assert (format_rupees(125003), format_rupees(0), format_rupees(100)) == ("1250.03", "0.00", "1.00")

"""How the web dashboard writes amounts, dates and periods (services/web/formats.py)."""

from __future__ import annotations

import pytest

from services.web.formats import count, day, indian_digits, moment, period, period_order, rupees


@pytest.mark.parametrize(
    ("paise", "shown"),
    [
        (0, "₹0.00"),
        (5, "₹0.05"),
        (99_999, "₹999.99"),
        (100_000, "₹1,000.00"),
        (1_234_567_800, "₹1,23,45,678.00"),
        (10_000_000_000, "₹10,00,00,000.00"),
        (12_345_678_901_234, "₹1,23,45,67,89,012.34"),
        (-150_050, "-₹1,500.50"),
    ],
)
def test_amounts_are_written_in_indian_grouping_with_two_places(paise: int, shown: str) -> None:
    assert rupees(paise) == shown


def test_an_amount_in_a_table_cell_goes_without_the_symbol_and_a_missing_one_is_blank() -> None:
    assert rupees(1_234_567_800, symbol=False) == "1,23,45,678.00"
    assert rupees(None) == ""


@pytest.mark.parametrize(
    ("whole", "shown"), [(1, "1"), (999, "999"), (1000, "1,000"), (99_999, "99,999"), (100_000, "1,00,000")]
)
def test_indian_grouping_keeps_three_digits_then_pairs(whole: int, shown: str) -> None:
    assert indian_digits(whole) == shown
    assert count(whole) == shown


def test_dates_are_day_month_year_and_instants_are_the_time_in_india() -> None:
    assert day("2025-10-03") == "03-10-2025"
    assert day(None) == "" and day("") == ""
    assert moment("2025-11-11T18:45:10.123456+00:00") == "12-11-2025 00:15 IST"
    assert moment("2025-11-11T10:00:00") == "11-11-2025 10:00"
    assert moment("not a time") == "not a time"


def test_periods_read_as_month_and_year_and_sort_in_calendar_order() -> None:
    assert period("102025") == "October 2025"
    assert period("132025") == "132025" and period("") == ""
    assert sorted(["012026", "122025", "102025"], key=period_order) == ["102025", "122025", "012026"]

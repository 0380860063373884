from datetime import UTC, date, datetime

import pytest

from services.common.gst.periods import (
    IMS_POLICY_START,
    InvalidPeriod,
    Period,
    financial_year_of,
    gst_today,
    gstr2b_generation_date,
    gstr2b_period,
    gstr3b_due_date,
    section_16_4_deadline,
)


def test_period_round_trips_through_mmyyyy():
    assert Period.parse("102025") == Period(2025, 10)
    assert Period(2025, 3).mmyyyy == "032025"


@pytest.mark.parametrize("text", ["2025-10", "13" + "2025", "1025", "002025", "102016"])
def test_bad_period_text_is_refused_naming_mmyyyy(text):
    with pytest.raises(InvalidPeriod, match="MMYYYY"):
        Period.parse(text)


def test_periods_validate_month_and_year():
    with pytest.raises(InvalidPeriod):
        Period(2025, 13)
    with pytest.raises(InvalidPeriod):
        Period(2016, 12)


def test_periods_step_across_year_ends_and_order_chronologically():
    assert Period(2025, 12).next() == Period(2026, 1)
    assert Period(2026, 1).previous() == Period(2025, 12)
    assert Period(2025, 12) < Period(2026, 1) < Period(2026, 2)


def test_period_knows_its_days_financial_year_and_quarter():
    feb = Period(2024, 2)
    assert (feb.first_day, feb.last_day) == (date(2024, 2, 1), date(2024, 2, 29))
    assert (Period(2026, 3).financial_year, Period(2025, 4).financial_year) == (2025, 2025)
    assert Period(2026, 1).fy_label == "2025-26"
    assert [Period(2025, m).quarter_end.month for m in (1, 4, 8, 12)] == [3, 6, 9, 12]
    assert Period.of(date(2025, 10, 31)) == Period(2025, 10)


def test_financial_year_starts_in_april():
    assert financial_year_of(date(2026, 3, 31)) == 2025
    assert financial_year_of(date(2025, 4, 1)) == 2025


def test_monthly_filing_on_11th_belongs_to_previous_month():
    assert gstr2b_period("R1", date(2025, 11, 11)) == Period(2025, 10)


def test_monthly_filing_on_12th_belongs_to_that_month():
    assert gstr2b_period("R1A", date(2025, 11, 12)) == Period(2025, 11)


def test_quarterly_filing_on_13th_belongs_to_previous_month():
    assert gstr2b_period("IFF", date(2026, 1, 13)) == Period(2025, 12)


def test_quarterly_filing_on_14th_belongs_to_that_month():
    assert gstr2b_period("R6", date(2026, 1, 14)) == Period(2026, 1)


def test_bill_of_entry_follows_the_monthly_rule():
    assert gstr2b_period("BOE", date(2025, 11, 11)) == Period(2025, 10)


def test_unknown_source_form_is_refused():
    with pytest.raises(ValueError, match="unknown source form"):
        gstr2b_period("R9", date(2025, 11, 11))


def test_section_16_4_deadline_is_30_november_after_the_financial_year():
    assert section_16_4_deadline(date(2025, 10, 15)) == date(2026, 11, 30)
    assert section_16_4_deadline(date(2026, 3, 31)) == date(2026, 11, 30)
    assert section_16_4_deadline(date(2026, 4, 1)) == date(2027, 11, 30)


def test_gstr3b_is_due_on_20th_monthly_and_22nd_after_the_quarter():
    assert gstr3b_due_date(Period(2025, 10), quarterly=False) == date(2025, 11, 20)
    assert gstr3b_due_date(Period(2025, 11), quarterly=True) == date(2026, 1, 22)
    assert gstr3b_due_date(Period(2026, 3), quarterly=True) == date(2026, 4, 22)


def test_credit_note_filed_11_november_is_pending_until_20_december():
    period = gstr2b_period("R1", date(2025, 11, 11))
    assert period == Period(2025, 10) and period >= IMS_POLICY_START
    assert gstr3b_due_date(period.next(), quarterly=False) == date(2025, 12, 20)


def test_gstr2b_is_generated_on_14th_after_the_period_or_quarter():
    assert gstr2b_generation_date(Period(2025, 10), quarterly=False) == date(2025, 11, 14)
    assert gstr2b_generation_date(Period(2025, 10), quarterly=True) == date(2026, 1, 14)


def test_the_schedulers_day_is_the_day_in_india() -> None:
    assert gst_today(datetime(2025, 11, 13, 18, 29, tzinfo=UTC)) == date(2025, 11, 13)
    assert gst_today(datetime(2025, 11, 13, 18, 30, tzinfo=UTC)) == date(2025, 11, 14)  # 00:00 IST

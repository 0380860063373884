"""Which deadlines are approaching on a clock day (docs/rules.md §4.6): the horizon, and the GSTR-2B generations
that deem No Action documents accepted, taken from the GST calendar's own definitions."""

from __future__ import annotations

from datetime import date, timedelta

from services.actions.domain.deadlines import (
    HORIZON_DAYS,
    approaching,
    deemed_acceptance_dates,
    generation_dates,
    horizon_end,
)
from services.common.gst.periods import LAST_SUPPORTED_DATE, Period, gstr2b_generation_date


def test_a_deadline_is_approaching_from_the_horizon_before_it_up_to_its_own_day() -> None:
    deadline = date(2025, 12, 20)
    assert HORIZON_DAYS == 3
    assert not approaching(deadline, date(2025, 12, 16))
    assert approaching(deadline, date(2025, 12, 17))
    assert approaching(deadline, deadline)
    assert not approaching(deadline, date(2025, 12, 21))
    assert horizon_end(date(2025, 12, 17)) == deadline


def test_a_monthly_recipients_no_action_documents_are_deemed_accepted_on_the_14th_after_their_period() -> None:
    assert deemed_acceptance_dates(date(2025, 12, 10), quarterly=False) == {}
    assert deemed_acceptance_dates(date(2025, 12, 11), quarterly=False) == {"112025": date(2025, 12, 14)}
    assert deemed_acceptance_dates(date(2025, 12, 14), quarterly=False) == {"112025": date(2025, 12, 14)}
    assert deemed_acceptance_dates(date(2025, 12, 15), quarterly=False) == {}


def test_a_quarterly_recipients_months_of_a_quarter_share_the_quarters_generation_day() -> None:
    january = date(2026, 1, 14)
    assert deemed_acceptance_dates(date(2026, 1, 12), quarterly=True) == {
        "102025": january,
        "112025": january,
        "122025": january,
    }
    assert deemed_acceptance_dates(date(2025, 12, 12), quarterly=True) == {}


def test_every_day_finds_exactly_the_periods_whose_generation_is_approaching() -> None:
    periods = [Period(2025, 1)]
    while periods[-1] < Period(2027, 12):
        periods.append(periods[-1].next())
    day = date(2025, 6, 1)
    while day < date(2027, 6, 1):
        for quarterly in (False, True):
            expected = {
                p.mmyyyy: gstr2b_generation_date(p, quarterly)
                for p in periods
                if approaching(gstr2b_generation_date(p, quarterly), day)
            }
            assert deemed_acceptance_dates(day, quarterly) == expected, (day, quarterly)
        day += timedelta(days=1)


def test_the_last_supported_days_find_no_generation_past_the_calendar() -> None:
    assert deemed_acceptance_dates(LAST_SUPPORTED_DATE, quarterly=False) == {}
    assert deemed_acceptance_dates(LAST_SUPPORTED_DATE, quarterly=True) == {}


def test_the_dashboard_dates_each_periods_generation_by_the_recipients_frequency() -> None:
    monthly = generation_dates(["042025", "052025", "062025", "not-a-period"], quarterly=False)
    assert monthly == {"042025": date(2025, 5, 14), "052025": date(2025, 6, 14), "062025": date(2025, 7, 14)}
    quarterly = generation_dates(["042025", "052025", "062025", "072025"], quarterly=True)
    assert set(quarterly.values()) == {date(2025, 7, 14), date(2025, 10, 14)}
    assert quarterly["042025"] == quarterly["062025"] == date(2025, 7, 14)

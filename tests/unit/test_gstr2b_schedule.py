"""When a GSTR-2B is generated and which statement carries a Rule 37A reversal (docs/rules.md §4, §2, §7;
services/gstr2b/domain/schedule.py, rule37a.py)."""

from __future__ import annotations

from datetime import date

from services.common.gst.periods import Period
from services.gstr2b.domain.rule37a import deadline, report_problems, statement_period
from services.gstr2b.domain.schedule import due_periods
from services.gstr2b.domain.schedule import statement_period as quarter_statement

SEP, OCT, NOV, DEC = Period(2025, 9), Period(2025, 10), Period(2025, 11), Period(2025, 12)


def test_a_monthly_statement_is_due_on_the_14th_after_its_period() -> None:
    assert due_periods([OCT], set(), set(), "2025-11-13", quarterly=False) == []
    assert due_periods([OCT], set(), set(), "2025-11-14", quarterly=False) == [OCT]
    assert due_periods([OCT], {OCT}, set(), "2025-12-31", quarterly=False) == []  # generated once


def test_the_next_statement_waits_for_the_gstr3b_of_the_previous_generated_period() -> None:
    assert due_periods([OCT, NOV], {OCT}, set(), "2025-12-14", quarterly=False) == []
    assert due_periods([OCT, NOV], {OCT}, set(), "2025-12-15", quarterly=False) == []
    assert due_periods([OCT, NOV], {OCT}, {OCT}, "2025-12-15", quarterly=False) == [NOV]


def test_statements_never_generated_follow_oldest_first_and_stop_at_the_first_waiting() -> None:
    assert due_periods([SEP, OCT, NOV], set(), set(), "2025-12-20", quarterly=False) == [SEP]
    assert due_periods([SEP, OCT, NOV], {SEP}, {SEP}, "2025-12-20", quarterly=False) == [OCT]
    assert due_periods([NOV, SEP], set(), set(), "2025-10-14", quarterly=False) == [SEP]  # November not yet


def test_a_quarterly_recipient_gets_one_statement_for_the_quarter_after_it() -> None:
    july, august = Period(2025, 7), Period(2025, 8)
    assert [quarter_statement(p, True) for p in (july, august, SEP)] == [SEP] * 3
    assert quarter_statement(OCT, False) == OCT
    assert due_periods([july, august, SEP], set(), set(), "2025-10-13", quarterly=True) == []
    assert due_periods([july, august, SEP], set(), set(), "2025-10-14", quarterly=True) == [SEP]


def test_rule_37a_applies_only_after_30_september_following_the_financial_year() -> None:
    assert deadline(Period(2025, 3)) == date(2025, 9, 30)  # FY 2024-25
    assert deadline(Period(2025, 4)) == date(2026, 9, 30)  # FY 2025-26
    assert report_problems([Period(2025, 3)], date(2025, 10, 1)) == []
    assert report_problems([Period(2025, 3)], date(2025, 9, 30)) == [
        "periods: 032025: Rule 37A applies only after 30-09-2025 (30 September after its financial year); "
        "reported_on 2025-09-30 is not later"
    ]


def test_a_rule_37a_report_names_at_least_one_and_at_most_36_periods() -> None:
    assert report_problems([], date(2025, 10, 1)) == ["periods: at least one supplier tax period (MMYYYY) is required"]
    many = [Period(2022, 4)] * 37
    assert report_problems(many, date(2025, 10, 1)) == ["periods: at most 36 periods per report, got 37"]


def test_the_reversal_enters_the_statement_of_the_report_date_or_the_first_later_one_still_open() -> None:
    reported = date(2025, 10, 1)
    assert statement_period(reported, False, []) == OCT
    assert statement_period(reported, False, [OCT]) == NOV  # October's GSTR-3B is already filed
    assert statement_period(reported, False, [OCT, NOV]) == DEC
    assert statement_period(reported, True, []) == DEC  # a quarterly recipient: the quarter's statement
    assert statement_period(reported, True, [DEC]) == Period(2026, 3)

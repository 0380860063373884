"""The C fast path (services/ingest/native/fastrows.c) restates rules of the Python domain for speed; this
reads its source and fails when one of its rates, dates, limits or codes differs from the Python definition.

The behavioural comparison (the same rows through both paths) is tests/unit/test_fastrows.py; this one also
holds where the module is not built, and names the constant that drifted.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

from services.common.gst import money
from services.common.gst.gstin import GSTIN_STATE_CODES, VALID_POS_CODES
from services.common.gst.periods import (
    FINANCIAL_YEAR_FIRST_MONTH,
    GST_START,
    LAST_SUPPORTED_DATE,
    financial_year_of,
    section_16_4_deadline,
)
from services.common.gst.sections import SECTION_BY_KEY, section, section_for
from services.ingest import fastrows
from services.ingest.checking import Checked
from services.ingest.domain import rules, taxes
from services.ingest.domain.gstr1 import TABLES
from services.ingest.domain.validation import MAX_TOTAL_PAISE, validate_note

SOURCE = (Path(fastrows.__file__).parent / "native" / "fastrows.c").read_text()


def found(pattern: str) -> re.Match[str]:
    match = re.search(pattern, SOURCE)
    assert match is not None, f"fastrows.c no longer has {pattern!r}: update this test with the code"
    return match


def define(name: str) -> str:
    return found(rf"#define {name} (\S+)").group(1)


def int_array(name: str) -> list[int]:
    return [int(v) for v in found(rf"static const int {name}\[\] = \{{([^}}]*)\}};").group(1).split(",")]


def text_array(name: str) -> list[str]:
    return re.findall(r'"([^"]*)"', found(rf"static const char \*{name}\[\] = \{{([^}}]*)\}};").group(1))


def yyyymmdd(day: date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def codes(*ranges: tuple[int, int]) -> frozenset[str]:
    return frozenset(f"{code:02d}" for low, high in ranges for code in range(low, high + 1))


def native_sections() -> dict[str, tuple[str, ...]]:
    """The IMS sections a native table's rows can land in, by table."""
    out: dict[str, tuple[str, ...]] = {}
    for table in TABLES:
        if table.name in fastrows.NATIVE_TABLES:
            kinds = ("C", "D") if table.validate is validate_note else (None,)
            out[table.name] = tuple(section_for(table.name, kind) for kind in kinds)
    return out


def test_the_c_rates_are_the_valid_gst_rates_in_hundredths_with_their_canonical_text() -> None:
    hundredths, texts = int_array("RATES"), text_array("RATE_TEXT")
    assert int(define("N_RATES")) == len(hundredths) == len(texts)
    assert {Decimal(h) / 100 for h in hundredths} == rules.VALID_RATES
    assert texts == [rules.canonical_rate(Decimal(h) / 100) for h in hundredths]


def test_the_40_percent_rate_starts_on_the_same_day() -> None:
    assert define("RATE_40_FROM") == yyyymmdd(rules.RATE_40_FROM)
    assert found(r"RATES\[it->rate\] == (\d+) && r->date < RATE_40_FROM").group(1) == "4000"  # 40% in hundredths


def test_the_c_date_range_is_the_gst_calendars() -> None:
    assert define("GST_START") == yyyymmdd(GST_START)
    assert define("LAST_SUPPORTED") == yyyymmdd(LAST_SUPPORTED_DATE)


def test_the_c_tolerances_and_amount_limits_are_the_python_ones() -> None:
    assert int(define("TOLERANCE")) == taxes.TAX_TOLERANCE_PAISE
    taxes_ok = re.search(r"static int taxes_ok\(.*?\n\}", SOURCE, re.S)
    assert taxes_ok is not None and "return (i128)r->value + TOLERANCE >= total;" in taxes_ok.group(0), (
        "val is never refused; one below taxable value plus taxes by more than the tolerance is declined, "
        "and Python accepts it with a warning (rules 9.6, taxes.value_warnings)"
    )
    assert int(define("LIMIT_RUPEES_DIGITS")) == money.MAX_INTEGER_DIGITS
    c_limit = int(found(r"#define INT64_LIMIT \(\(__int128\)(\d+)LL\)").group(1))
    assert c_limit <= MAX_TOTAL_PAISE + 1  # the C path declines totals Python would take, never the reverse


def test_the_differential_rate_is_65_percent_in_both() -> None:
    assert Decimal(found(r"r->diff \? (\d+) : 100").group(1)) / 100 == rules.DIFF_PERCENT
    assert found(r'eq\(s, sn, "([0-9.]+)"\)\) return 0;\s*\} else \{').group(1) == str(rules.DIFF_PERCENT)


def test_the_document_number_length_is_the_python_limit() -> None:
    low, high = found(r"static int doc_number_\(.*\) \{\s*if \(n < (\d+) \|\| n > (\d+)\) return 0;").groups()
    assert (int(low), int(high)) == (1, rules.DOC_NUMBER_MAX_LENGTH)


def test_the_invoice_types_and_the_sez_ones_are_the_python_ones() -> None:
    assert tuple(text_array("INV_TYPES")) == rules.INVOICE_TYPES
    sez = found(r"int sez = r->inv_typ == INV_(\w+) \|\| r->inv_typ == INV_(\w+);").groups()
    assert frozenset(sez) == rules.SEZ_INVOICE_TYPES


def test_the_gstin_state_codes_and_places_of_supply_are_the_python_ones() -> None:
    low, high, extra = found(r"if \(!\(\(state >= (\d+) && state <= (\d+)\) \|\| state == (\d+)\)\) return 0;").groups()
    assert codes((int(low), int(high)), (int(extra), int(extra))) == GSTIN_STATE_CODES
    pos = found(r"return \(code >= (\d+) && code <= (\d+)\) \|\| code == (\d+) \|\| code == (\d+);").groups()
    low, high, *others = (int(v) for v in pos)
    assert codes((low, high), *((o, o) for o in others)) == VALID_POS_CODES


def test_the_financial_year_and_section_16_4_limit_are_the_python_ones() -> None:
    assert int(found(r"return m >= (\d+) \? y : y - 1;").group(1)) == FINANCIAL_YEAR_FIRST_MONTH
    years_after, month_day = found(r"x->filed_on > \(fy \+ (\d+)\) \* 10000 \+ (\d{4})\)").groups()
    for day in (date(2017, 7, 1), date(2024, 3, 31), date(2024, 4, 1), date(2025, 12, 31), date(2099, 12, 31)):
        c_deadline = (financial_year_of(day) + int(years_after)) * 10000 + int(month_day)
        assert str(c_deadline) == yyyymmdd(section_16_4_deadline(day)), day


def test_the_c_exempts_from_section_16_4_exactly_the_credit_notes_it_reads() -> None:
    note_type = found(r"int credit = x->note && r->ntty == '(\w)';").group(1)
    for table, keys in native_sections().items():
        note_kinds = ("C", "D") if len(keys) == 2 else (None,)
        for kind, key in zip(note_kinds, keys, strict=True):
            assert (kind == note_type) == (not section(key).itc_time_limited), (table, key)


def test_no_native_table_lands_where_the_place_of_supply_bar_does_not_apply() -> None:
    # the C path bars ITC by place of supply for every row it takes; Python exempts imports and ISD documents
    for table, keys in native_sections().items():
        assert not any(section(k).is_import or section(k).is_isd for k in keys), table


def test_section_keys_come_from_python_and_fit_the_c_buffers() -> None:
    literals = set(re.findall(r'"([^"\\]*)"', SOURCE))
    assert not literals & SECTION_BY_KEY.keys(), "a section key is typed in fastrows.c: pass it from Python"
    width = int(found(r"char sec\[2\]\[(\d+)\], osec\[2\]\[(\d+)\];").group(1))
    assert max(len(key) for key in SECTION_BY_KEY) <= width


def test_the_checked_tuple_has_as_many_fields_in_both() -> None:
    assert int(define("CHECKED_FIELDS")) == len(Checked._fields)

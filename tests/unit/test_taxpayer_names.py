"""Loads of the registry of taxpayer names (docs/rules.md §8.5): JSON and CSV read alike, every row judged on its
own, each refusal naming its row and field; the load goes to the log in chunks, in the order given."""

from __future__ import annotations

import io
import json

import pytest

from services.common.gst.gstin import check_character
from services.common.jsonstream import RecordRefused, TooManyRecords
from services.registry.body import MAX_FIELDS, read_taxpayers
from services.registry.domain.csvrows import column_of, rows_of_csv
from services.registry.domain.taxpayers import (
    MAX_NAME,
    BodyRefused,
    Taxpayer,
    TooManyRows,
    check_rows,
    rows_of_json,
)
from services.registry.handlers import CHUNK, events_of
from services.registry.names import UNKNOWN, Names

KAVERI, MANJUNATH, NILGIRI = "27AAPFK4821M1ZT", "29AABCM7710Q1ZX", "33AAGCN3302H1ZX"
BAD_CHECK = KAVERI[:14] + ("A" if KAVERI[14] != "A" else "B")


def _gstin(n: int) -> str:
    first14 = f"27AAAPA{n:04d}A1Z"
    return first14 + check_character(first14)


def _json(*rows: object) -> list[tuple[int, object]]:
    return rows_of_json({"taxpayers": list(rows)}, 100)


def test_a_json_load_is_read_row_by_row_with_names_trimmed_and_an_empty_trade_name_kept() -> None:
    checked = check_rows(
        _json(
            {"gstin": f" {KAVERI} ", "legal_name": "  KAVERI TEXTILES PRIVATE LIMITED ", "trade_name": " Kaveri Mills"},
            {"gstin": MANJUNATH, "legal_name": "MANJUNATH TRADERS", "trade_name": ""},
            {"gstin": NILGIRI, "legal_name": "NILGIRI FOODS LLP"},
            {"gstin": _gstin(1), "legal_name": "ஸ்ரீ முருகன் ஸ்டோர்ஸ்", "trade_name": None},
        )
    )
    assert checked.errors == []
    assert checked.taxpayers == [
        Taxpayer(KAVERI, "KAVERI TEXTILES PRIVATE LIMITED", "Kaveri Mills"),
        Taxpayer(MANJUNATH, "MANJUNATH TRADERS", ""),
        Taxpayer(NILGIRI, "NILGIRI FOODS LLP", ""),
        Taxpayer(_gstin(1), "ஸ்ரீ முருகன் ஸ்டோர்ஸ்", ""),
    ]


@pytest.mark.parametrize(
    ("row", "field", "code", "message"),
    [
        ({"legal_name": "X"}, "gstin", "MISSING_FIELD", "gstin: required"),
        ({"gstin": "  ", "legal_name": "X"}, "gstin", "MISSING_FIELD", "gstin: required"),
        ({"gstin": 27, "legal_name": "X"}, "gstin", "INVALID_FIELD", "gstin: expected text, got int"),
        ({"gstin": BAD_CHECK, "legal_name": "X"}, "gstin", "INVALID_GSTIN", "check character should be"),
        ({"gstin": KAVERI.lower(), "legal_name": "X"}, "gstin", "INVALID_GSTIN", "must be uppercase"),
        ({"gstin": KAVERI}, "legal_name", "MISSING_FIELD", "legal_name: required"),
        ({"gstin": KAVERI, "legal_name": " "}, "legal_name", "MISSING_FIELD", "legal_name: required"),
        ({"gstin": KAVERI, "legal_name": ["X"]}, "legal_name", "INVALID_FIELD", "legal_name: expected text, got list"),
        (
            {"gstin": KAVERI, "legal_name": "X" * (MAX_NAME + 1)},
            "legal_name",
            "INVALID_FIELD",
            f"legal_name: at most {MAX_NAME} characters, got {MAX_NAME + 1}",
        ),
        (
            {"gstin": KAVERI, "legal_name": "X", "trade_name": "Kaveri\nMills"},
            "trade_name",
            "INVALID_FIELD",
            "trade_name: holds the control character U+000A",
        ),
        ({"gstin": KAVERI, "legal_name": "X", "trade_name": 5}, "trade_name", "INVALID_FIELD", "got int"),
        (
            {"gstin": KAVERI, "legal_name": "X", "tradename": "Kaveri"},
            "tradename",
            "INVALID_FIELD",
            "tradename: not a field of a row (gstin, legal_name, trade_name)",
        ),
        ("27AAPFK4821M1ZT", "row", "INVALID_FIELD", "row: expected an object with gstin, legal_name, trade_name"),
    ],
)
def test_every_refusal_names_its_row_and_field(row: object, field: str, code: str, message: str) -> None:
    good = {"gstin": NILGIRI, "legal_name": "NILGIRI FOODS LLP", "trade_name": ""}
    checked = check_rows(_json(good, row))
    assert checked.taxpayers == [Taxpayer(NILGIRI, "NILGIRI FOODS LLP", "")]
    (error,) = checked.errors
    report = error.report()
    assert (report["row"], report["field"], report["error_cd"]) == (2, field, code)
    assert message in str(report["error_msg"])


def test_a_row_with_several_faults_names_the_first_field_and_every_problem() -> None:
    (error,) = check_rows(_json({"gstin": BAD_CHECK, "legal_name": "", "trade_name": "T" * 101})).errors
    assert (error.row, error.gstin, error.field, error.code) == (1, BAD_CHECK, "gstin", "INVALID_GSTIN")
    assert [part.split(":")[0] for part in error.message.split("; ")] == ["gstin", "legal_name", "trade_name"]


def test_what_cannot_be_shown_is_echoed_quoted_and_escaped_never_raw() -> None:
    checked = check_rows(rows_of_csv("gstin,legal_name\n27AAPFK\x004821M1ZT,KAVERI\n", 100))
    checked.errors.extend(check_rows(_json({"gstin": KAVERI, "legal_name": "K", "x\x00": 1})).errors)
    assert [(e.gstin, e.field) for e in checked.errors] == [("'27AAPFK\\x004821M1ZT'", "gstin"), (KAVERI, "'x\\x00'")]
    assert not any("\x00" in str(value) for e in checked.errors for value in e.report().values())


def test_a_gstin_repeated_in_one_load_is_refused_on_its_later_rows_naming_the_first() -> None:
    checked = check_rows(
        _json(
            {"gstin": KAVERI, "legal_name": "KAVERI TEXTILES"},
            {"gstin": MANJUNATH, "legal_name": "MANJUNATH TRADERS"},
            {"gstin": KAVERI, "legal_name": "KAVERI MILLS"},
        )
    )
    assert [t.gstin for t in checked.taxpayers] == [KAVERI, MANJUNATH]
    (error,) = checked.errors
    assert (error.row, error.field, error.code) == (3, "gstin", "DUPLICATE_GSTIN")
    assert error.message == f"gstin: {KAVERI} is also in row 1; a load names a GSTIN once"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "body: expected an object"),
        ({"names": []}, "body: expected an object"),
        ({"taxpayers": [], "extra": 1}, "body: unknown key 'extra'"),
        ({"taxpayers": {"gstin": KAVERI}}, "taxpayers: expected a list"),
        ({"taxpayers": []}, "taxpayers: no rows to load"),
    ],
)
def test_a_json_body_that_is_not_a_load_is_refused_whole_naming_the_part(body: object, message: str) -> None:
    with pytest.raises(BodyRefused, match=message):
        rows_of_json(body, 100)


def test_more_rows_than_a_load_may_hold_are_refused_whole() -> None:
    with pytest.raises(TooManyRows, match="3 rows exceed the limit of 2"):
        rows_of_json({"taxpayers": [{}, {}, {}]}, 2)
    with pytest.raises(TooManyRows, match="more than 2 rows"):
        rows_of_csv("gstin,legal_name\n" + f"{KAVERI},A\n" * 3, 2)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("GSTIN", "gstin"),
        (" gstin ", "gstin"),
        ("GSTIN/UIN", "gstin"),
        ("Legal Name", "legal_name"),
        ("legal-name", "legal_name"),
        ("LEGAL_NAME", "legal_name"),
        ("Legal Name of Business", "legal_name"),
        ("Trade Name", "trade_name"),
        ("trade_name", "trade_name"),
        ("Tradename", None),
        ("State", None),
    ],
)
def test_csv_header_cells_are_read_in_the_spellings_people_use(header: str, field: str | None) -> None:
    assert column_of(header) == field


def test_csv_rows_are_numbered_as_a_spreadsheet_shows_them_in_any_column_order() -> None:
    text = (
        "\ufeffTrade Name,GSTIN,Legal Name\r\n"
        f'"Kaveri Mills, Salem",{KAVERI},KAVERI TEXTILES PRIVATE LIMITED\r\n'
        ",,\r\n"
        f",{MANJUNATH},MANJUNATH TRADERS\r\n"
        f"Nilgiri,{BAD_CHECK},NILGIRI FOODS LLP\r\n"
    )
    checked = check_rows(rows_of_csv(text, 100))
    assert checked.taxpayers == [
        Taxpayer(KAVERI, "KAVERI TEXTILES PRIVATE LIMITED", "Kaveri Mills, Salem"),
        Taxpayer(MANJUNATH, "MANJUNATH TRADERS", ""),
    ]
    (error,) = checked.errors
    assert (error.row, error.field, error.code, error.gstin) == (5, "gstin", "INVALID_GSTIN", BAD_CHECK)


def test_a_csv_without_a_trade_name_column_loads_empty_trade_names_and_short_rows_read_as_empty_cells() -> None:
    checked = check_rows(rows_of_csv(f"gstin,legal_name\n{KAVERI},KAVERI TEXTILES\n{MANJUNATH}\n", 100))
    assert checked.taxpayers == [Taxpayer(KAVERI, "KAVERI TEXTILES", "")]
    (error,) = checked.errors
    assert (error.row, error.field, error.message) == (3, "legal_name", "legal_name: required")


def test_a_csv_row_with_more_cells_than_the_header_is_refused_with_a_hint_about_commas() -> None:
    (error,) = check_rows(rows_of_csv(f"gstin,legal_name,trade_name\n{KAVERI},KAVERI, TEXTILES,\n", 100)).errors
    assert (error.row, error.field, error.code) == (2, "row", "INVALID_FIELD")
    assert error.message == "row: 4 cells, the header names 3 (quote a name holding a comma)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "body: no header"),
        ("\n \n", "body: no header"),
        (f"{KAVERI},KAVERI TEXTILES\n", "header: column 1 '27AAPFK4821M1ZT' is not a column of a load"),
        ("gstin,legal_name,state\n", "header: column 3 'state' is not a column of a load"),
        ("gstin,Legal Name,legal_name\n", "header: column 3 'legal_name' names legal_name again"),
        ("gstin,trade_name\n", "header: no legal_name column"),
        ("legal name\n", "header: no gstin column"),
        ("gstin,legal_name,trade_name\n", "taxpayers: no rows to load after the header"),
        ("gstin,legal_name\n\n" + "x," * 2000, "body: line 3 is longer than 2048 characters"),
    ],
)
def test_a_csv_that_is_not_a_load_is_refused_whole_naming_the_part(text: str, message: str) -> None:
    with pytest.raises(BodyRefused, match=message):
        rows_of_csv(text, 100)


def test_a_load_goes_to_the_log_in_chunks_of_a_thousand_in_the_order_given() -> None:
    taxpayers = [Taxpayer(_gstin(n), f"TAXPAYER {n}", "") for n in range(CHUNK * 2 + 1)]
    events = list(events_of("ref", taxpayers))
    assert [(e.chunk, e.chunks, len(e.taxpayers)) for e in events] == [(0, 3, CHUNK), (1, 3, CHUNK), (2, 3, 1)]
    assert [row["gstin"] for e in events for row in e.taxpayers] == [t.gstin for t in taxpayers]
    assert list(events_of("ref", [])) == []


def test_the_shown_trade_name_falls_back_to_the_legal_name_and_is_empty_only_when_unknown() -> None:
    assert Names("KAVERI TEXTILES", "Kaveri Mills").trade_or_legal == "Kaveri Mills"
    assert Names("MANJUNATH TRADERS", "").trade_or_legal == "MANJUNATH TRADERS"
    assert UNKNOWN.trade_or_legal == ""


def _streamed(body: object, max_rows: int = 100) -> list[tuple[int, object]]:
    return rows_of_json(read_taxpayers(io.BytesIO(json.dumps(body).encode()), max_rows), max_rows)


def test_a_json_body_is_read_a_row_at_a_time_into_the_same_rows() -> None:
    body = {"taxpayers": [{"gstin": KAVERI, "legal_name": "KAVERI TEXTILES", "trade_name": ""}, "x", [1], 5]}
    assert _streamed(body) == [
        (1, {"gstin": KAVERI, "legal_name": "KAVERI TEXTILES", "trade_name": ""}),
        (2, "x"),
        (3, []),
        (4, 5),
    ]
    assert [e.message for e in check_rows(_streamed(body)).errors] == [
        f"row: expected an object with gstin, legal_name, trade_name, got {kind}" for kind in ("str", "list", "int")
    ]
    with pytest.raises(BodyRefused, match="body: unknown key 'extra'"):
        _streamed({"extra": [[[1]]], "taxpayers": []})
    with pytest.raises(BodyRefused, match="taxpayers: expected a list"):
        _streamed({"taxpayers": {"gstin": KAVERI}})


def test_a_nested_value_or_a_row_of_too_many_fields_refuses_the_load_naming_the_row() -> None:
    with pytest.raises(RecordRefused, match="taxpayers: row 2: legal_name: expected a single value, got an array"):
        _streamed({"taxpayers": [{"gstin": KAVERI}, {"gstin": KAVERI, "legal_name": ["X"]}]})
    wide = {f"f{n}": "" for n in range(MAX_FIELDS + 1)}
    with pytest.raises(RecordRefused, match=f"taxpayers: row 1: a record has more than {MAX_FIELDS} fields"):
        _streamed({"taxpayers": [wide]})
    with pytest.raises(TooManyRecords, match="taxpayers: more than 2 rows"):
        _streamed({"taxpayers": [{}, {}, {}]}, max_rows=2)


def test_fields_of_no_row_are_reported_once_with_their_count() -> None:
    row = {"gstin": KAVERI, "legal_name": "K", "a": 1, "b": 2, "c": 3}
    (error,) = check_rows(_json(row)).errors
    assert (error.field, error.message) == (
        "a",
        "a: not a field of a row (gstin, legal_name, trade_name); and 2 more fields of no row",
    )

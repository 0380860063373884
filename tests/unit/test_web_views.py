"""What the web dashboard's pages show, built from the read model's answers (services/web/viewmodels.py)."""

from __future__ import annotations

from typing import Any

from services.actions.domain import deadlines
from services.actions.domain.model import ImsDocument
from services.common.gst.sections import SECTIONS
from services.web import viewmodels
from services.web.filters import read


def link(**params: str) -> str:
    return "?" + "&".join(f"{k}={v}" for k, v in sorted(params.items()))


def counts(**sections: dict[str, int]) -> dict[str, Any]:
    out: dict[str, Any] = {"all_oth": {}, "inv_supp_isd": {}, "imp_gds": {}}
    for section in SECTIONS:
        out[section.group][section.key] = {"noaction": 0, "accept": 0, "reject": 0, "pending": 0}
        out[section.group][section.key] |= sections.get(section.key, {})
    return out


def doc(section: str = "b2b", **changes: Any) -> ImsDocument:
    base: dict[str, Any] = dict(
        recipient="29AABCR1718E1ZL",
        doc_key=f"{section}|27AAPFU0939F1ZV|2025|INV/1",
        original_key=None,
        section=section,
        supplier="27AAPFU0939F1ZV",
        number="INV/1",
        doc_date="2025-10-03",
        note_type="C" if section == "b2bcn" else None,
        orig_number=None,
        orig_date=None,
        inv_typ="R",
        pos="29",
        reverse_charge=False,
        source_form="R1",
        return_period="102025",
        value=1_234_567_800,
        taxable=1_000_000_000,
        igst=234_567_800,
        cgst=0,
        sgst=0,
        cess=0,
        version_hash="a" * 64,
        route="ims",
        part="",
        reason="",
        filing_status="filed",
        filed_on="2025-11-11",
        gstr2b_period="102025",
        ecom_operator=None,
        diff_percent=None,
        port_code=None,
    )
    return ImsDocument(**(base | changes))


def test_the_counts_table_has_a_row_per_section_of_the_tab_and_totals_both_ways_each_a_link() -> None:
    table = viewmodels.counts_table(counts(b2b={"noaction": 3, "accept": 2}, b2bcn={"pending": 1}), "all_oth", link)
    assert [r.section for r in table.rows] == [s.key for s in SECTIONS if s.group == "all_oth"]
    b2b = table.rows[0]
    assert [c.n for c in b2b.cells] == [3, 2, 0, 0] and b2b.total.n == 5
    assert b2b.cells[0].href == "?section=b2b&status=N"
    assert [c.n for c in table.totals] == [3, 2, 0, 1] and table.total.n == 6
    assert table.totals[3].href == "?group=all_oth&status=P" and not table.empty


def test_an_empty_tab_says_so() -> None:
    assert viewmodels.counts_table(counts(), "imp_gds", link).empty


def test_every_section_has_a_document_type_and_every_group_a_tab() -> None:
    assert set(viewmodels.DOCUMENT_TYPES) == {s.key for s in SECTIONS}
    assert set(viewmodels.TABS) == {s.group for s in SECTIONS}


def test_a_document_row_shows_the_portals_columns_in_indian_amounts_and_dates() -> None:
    row = viewmodels.document_row(doc(action="P", pending_deadline="2025-12-20", remarks="short"))
    assert (row.number, row.date, row.value, row.igst) == ("INV/1", "03-10-2025", "1,23,45,678.00", "23,45,678.00")
    assert (row.type, row.source_form, row.filing_status, row.action) == ("Invoice", "GSTR-1", "Filed", "Pending")
    assert row.pending_until == "20-12-2025" and row.remarks == "short"
    assert viewmodels.split_choice(row.choice) == ("a" * 64, row.doc_id)


def test_a_checkbox_value_the_page_did_not_write_is_ignored() -> None:
    assert viewmodels.split_choice("b2b|x") is None
    assert viewmodels.split_choice("short:b2b|27AAPFU0939F1ZV|2025|INV/1") is None
    assert viewmodels.split_choice("a" * 64 + ":nosuchsection|x") is None


def test_a_review_refuses_remarks_with_accept_and_an_empty_selection_before_anything_is_sent() -> None:
    assert viewmodels.review("R", [doc()], 1, "wrong rate", 0).problems == ()
    assert "Remarks go only with Reject or Pending" in viewmodels.review("A", [doc()], 1, "ok", 0).problems[0]
    assert "Nothing is selected" in viewmodels.review("P", [], 0, "", 0).problems[0]
    assert viewmodels.review("R", [doc()], 120, "", 0).more == 119


def test_an_answer_lists_each_refused_document_with_its_reason() -> None:
    answer = {
        "reference_id": "ref1",
        "proc_cnt": "1",
        "error_report": {
            "b2b": [
                {
                    "stin": "33AABCL0003A1ZQ",
                    "error_cd": "REMARKS_NOT_ALLOWED",
                    "error_msg": "remarks: allowed from the October 2025 period",
                    "inv": [{"inum": "SEP/9", "rtnprd": "092025"}],
                }
            ]
        },
    }
    outcome = viewmodels.outcome(answer)
    assert outcome.processed == 1 and outcome.refused_count == 1
    [refused] = outcome.refused
    assert refused.section == "I B2B - Invoices" and refused.numbers == ("SEP/9 (September 2025)",)


def test_due_soon_lists_the_earliest_deadline_first() -> None:
    rows = [
        ("102025", "deemed_acceptance", 4, "2025-11-14"),
        ("092025", "pending_window", 2, "2025-10-20"),
        ("112025", "deemed_acceptance", 1, None),
        ("052024", "limit_16_4", 3, "2025-11-30"),
    ]
    due = viewmodels.due_soon(rows, link)
    assert [(d.count, d.until) for d in due] == [(2, "20-10-2025"), (4, "14-11-2025"), (3, "30-11-2025"), (1, "")]
    assert due[0].href == "?rtnprd=092025&status=P" and "Pending window" in due[0].what
    assert due[2].href == "?rtnprd=052024&status=P" and "section 16(4) limit" in due[2].what
    assert due[1].href == "?rtnprd=102025&status=N" and due[1].what.startswith("No Action yet, October 2025")


def test_every_kind_of_deadline_notice_has_its_words_on_the_dashboard() -> None:
    assert set(viewmodels.DUE_WORDS) == set(deadlines.KINDS)


def test_history_rows_read_in_the_accountants_words() -> None:
    [row] = viewmodels.history_rows(
        [
            {
                "what": "action_R",
                "occurred_at": "2025-11-20T06:30:00+00:00",
                "actor": "ap@buyer",
                "detail": {"remarks": "wrong rate", "reference_id": "r1"},
            }
        ]
    )
    assert (row.what, row.when, row.remarks, row.reference) == ("Rejected", "20-11-2025 12:00 IST", "wrong rate", "r1")


def test_the_filter_names_each_value_it_refuses_and_builds_the_apis_selection_otherwise() -> None:
    good = read("29AABCR1718E1ZL", {"section": "b2b", "status": "N", "rtnprd": "102025", "q": "INV"})
    assert good.selection is not None and good.selection.section == "b2b" and good.problems == ()
    assert good.query(cursor="c1") == "section=b2b&status=N&rtnprd=102025&q=INV&cursor=c1"
    bad = read("29AABCR1718E1ZL", {"stin": "nonsense", "rtnprd": "132025", "group": "x"})
    assert bad.selection is None and len(bad.problems) == 3
    assert any(p.startswith("Supplier GSTIN") for p in bad.problems)


def test_the_gstr2b_page_names_table_4_rows_as_the_form_does_and_folds_empty_parts() -> None:
    from services.gstr2b.domain.layout import gstr3b_table4, itcsumm
    from services.web import gstr2b_view

    summary = itcsumm({("itcavl", "nonrevsup", "b2b"): {"igst": 1_234_567_800, "cgst": 0, "sgst": 0, "cess": 0}})
    blocks = gstr2b_view.blocks({"itcsumm": summary})
    available = blocks[0]
    assert available.title == "ITC available" and not available.empty
    assert available.lines[0].heads[0] == "1,23,45,678.00" and ("B2B", 2) in [
        (x.label, x.level) for x in available.lines
    ]
    assert all(b.empty for b in blocks[1:])
    rows = gstr2b_view.table4({"gstr3b": gstr3b_table4(summary)})
    assert [r.label for r in rows][3] == "4A(5) All other ITC" and rows[3].heads[0] == "1,23,45,678.00"

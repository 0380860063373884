import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from services.common.gst.periods import Period
from services.ingest.domain.gstr1 import Locator, ReturnRejected, read_return, validate_return_header

EXAMPLES = Path(__file__).parents[1] / "support" / "examples"  # the copy kept with the tests
FILER = "27AAPFK4821M1ZT"
RECIPIENT = "29AABCM7710Q1ZX"
OPERATOR = "07AAFCE1049J1C0"
ECO_SUPPLIER = "07ABCPD1234E1ZG"


def example(name):
    with (EXAMPLES / name).open() as f:
        return json.load(f, parse_float=Decimal)


def inv(inum="INV/1", idt="03-10-2025", **extra):
    det = {"rt": 18, "txval": Decimal("1000"), "iamt": Decimal("180"), "camt": 0, "samt": 0, "csamt": 0}
    return {
        "inum": inum,
        "idt": idt,
        "val": Decimal("1180"),
        "pos": "29",
        "rchrg": "N",
        "inv_typ": "R",
        "itms": [{"num": 1, "itm_det": det}],
        **extra,
    }


def note(nt_num="CN/1", ntty="C"):
    row = inv()
    del row["inum"], row["idt"]
    return {**row, "ntty": ntty, "nt_num": nt_num, "nt_dt": "20-10-2025"}


def gstr1(**tables):
    return {"gstin": FILER, "fp": "102025", **tables}


def test_header_gives_the_filer_and_the_period():
    filer, period = validate_return_header(gstr1())
    assert (filer.value, period) == (FILER, Period(2025, 10))


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ([], "must be a JSON object"),
        ({"fp": "102025"}, "gstin: the filer's GSTIN is required"),
        ({"gstin": "27AAPFK4821M1ZX", "fp": "102025"}, "gstin: .*check character should be T"),
        ({"gstin": FILER}, "fp: the return period \\(MMYYYY\\) is required"),
        ({"gstin": FILER, "fp": "2025-10"}, "fp: .*MMYYYY"),
        ({"gstin": FILER, "fp": 102025}, "fp: .*MMYYYY"),
    ],
)
def test_a_bad_header_rejects_the_whole_return(payload, reason):
    with pytest.raises(ReturnRejected, match=reason):
        validate_return_header(payload)


def test_unknown_source_form_rejects_the_return():
    with pytest.raises(ReturnRejected, match="unknown source form"):
        read_return(gstr1(), "GSTR1")


@pytest.mark.parametrize(
    "tables",
    [
        {"b2b": {"ctin": RECIPIENT}},
        {"b2b": ["x"]},
        {"b2b": [{"ctin": RECIPIENT, "inv": {}}]},
        {"b2b": [{"ctin": RECIPIENT, "inv": ["x"]}]},
        {"ecom": []},
    ],
)
def test_a_table_of_the_wrong_shape_rejects_the_return(tables):
    with pytest.raises(ReturnRejected, match="must be"):
        read_return(gstr1(**tables), "R1")


def test_supplier_example_yields_every_document_in_table_order():
    contents = read_return(example("gstr1-supplier.json"), "R1")
    sections = [doc.section for doc in contents.documents]
    assert sections == ["b2b", "b2b", "b2b", "b2b", "b2ba", "b2bcn", "b2bdna"]
    assert contents.documents[1].igst == 125003


def test_eco_row_names_the_actual_supplier_and_the_operator():
    contents = read_return(example("gstr1-eco-9-5.json"), "R1")
    (doc,) = contents.documents
    assert (doc.section, doc.supplier, doc.recipient, doc.ecom_operator) == (
        "ecom",
        ECO_SUPPLIER,
        RECIPIENT,
        OPERATOR,
    )
    assert contents.entries[0].locator == Locator("ecom.b2b", "stin", ECO_SUPPLIER, "inum", "ECO-77812")


def test_unregistered_supplier_eco_row_is_supplied_by_the_operator():
    payload = {
        "gstin": OPERATOR,
        "fp": "102025",
        "ecoma": {"urp2ba": [{"rtin": RECIPIENT, "inv": [inv(oinum="E/1", oidt="01-09-2025")]}]},
    }
    (doc,) = read_return(payload, "R1").documents
    assert (doc.section, doc.supplier, doc.ecom_operator, doc.orig_number) == (
        "ecoma",
        OPERATOR,
        OPERATOR,
        "E/1",
    )


def test_eco_row_with_a_bad_supplier_is_refused_on_stin():
    payload = {
        "gstin": OPERATOR,
        "fp": "102025",
        "ecom": {"b2b": [{"stin": "07ABCPD1234E1ZH", "rtin": RECIPIENT, "inv": [inv()]}]},
    }
    (entry,) = read_return(payload, "R1").entries
    assert entry.document is None and [p.code for p in entry.problems] == ["INVALID_GSTIN"]
    assert entry.problems[0].field == "stin"


def test_refused_rows_carry_a_locator_for_the_error_report():
    contents = read_return(gstr1(b2b=[{"ctin": RECIPIENT, "inv": [inv(), inv("INV/2", pos="99")]}]), "R1")
    assert len(contents.documents) == 1
    (refused,) = contents.refused
    assert refused.locator == Locator("b2b", "ctin", RECIPIENT, "inum", "INV/2")
    assert [p.code for p in refused.problems] == ["INVALID_POS"]


def test_duplicate_number_is_case_insensitive_and_refuses_later_rows():
    contents = read_return(
        gstr1(
            b2b=[
                {"ctin": RECIPIENT, "inv": [inv("inv/1")]},
                {"ctin": "33AAGCN3302H1ZX", "inv": [inv("INV/1", pos="33"), inv("Inv/1", pos="33")]},
            ]
        ),
        "R1",
    )
    assert [e.document is not None for e in contents.entries] == [True, False, False]
    assert {p.code for e in contents.refused for p in e.problems} == {"DUPLICATE_NUMBER"}
    assert contents.refused[0].problems[0].message.startswith("inum: INV/1 repeats")


def test_same_number_in_another_financial_year_or_series_is_not_a_duplicate():
    contents = read_return(
        gstr1(
            b2b=[{"ctin": RECIPIENT, "inv": [inv("X/1"), inv("X/1", idt="15-03-2025")]}],
            b2ba=[{"ctin": RECIPIENT, "inv": [inv("X/1", oinum="X/0", oidt="01-09-2025")]}],
            cdnr=[{"ctin": RECIPIENT, "nt": [note("X/1")]}],
        ),
        "R1",
    )
    assert not contents.refused and len(contents.documents) == 4


def test_credit_and_debit_notes_share_one_number_series():
    contents = read_return(gstr1(cdnr=[{"ctin": RECIPIENT, "nt": [note("N/1", "C"), note("n/1", "D")]}]), "R1")
    assert [p.code for e in contents.refused for p in e.problems] == ["DUPLICATE_NUMBER"]


def test_flag_d_row_yields_a_deleted_document():
    row = {"inum": "INV/9", "idt": "03-10-2025", "flag": "D"}
    (doc,) = read_return(gstr1(b2b=[{"ctin": RECIPIENT, "inv": [row]}]), "R1").documents
    assert doc.deleted and (doc.number, doc.doc_date) == ("INV/9", date(2025, 10, 3))


def test_tables_that_never_reach_ims_are_ignored():
    contents = read_return(gstr1(b2cs=[{"x": 1}], hsn={"data": []}, exp=[{"exp_typ": "WPAY"}]), "R1")
    assert contents.entries == ()


def isd_row(docty="ISD", docnum="ISD/1", **heads):
    return {
        "isd_docty": docty,
        "docnum": docnum,
        "docdt": "10-10-2025",
        "iamt": Decimal("500"),
        "camt": 0,
        "samt": 0,
        "csamt": 0,
        **heads,
    }


def test_isd_documents_have_no_items_and_are_valued_at_their_heads():
    payload = {
        "gstin": "29AABCR1718E1ZL",
        "fp": "102025",
        "isd": [{"ctin": "27AABCR1718E1ZP", "doclst": [isd_row(), isd_row("ISDCN", "CN/1", csamt=Decimal("10"))]}],
    }
    invoice, credit = read_return(payload, "R6").documents
    assert (invoice.section, invoice.value, invoice.taxable, invoice.items, invoice.pos) == (
        "isd",
        50000,
        0,
        (),
        "27",
    )
    assert (credit.section, credit.note_type, credit.value) == ("isdcn", "C", 51000)


def test_isd_amendment_carries_the_original_document():
    payload = {
        "gstin": "29AABCR1718E1ZL",
        "fp": "102025",
        "isda": [{"ctin": "27AABCR1718E1ZP", "doclst": [isd_row(odocnum="ISD/0", odocdt="10-09-2025")]}],
    }
    (doc,) = read_return(payload, "R6").documents
    assert (doc.section, doc.orig_number) == ("isda", "ISD/0")


def test_isd_credit_to_another_state_must_be_igst():
    payload = {
        "gstin": "29AABCR1718E1ZL",
        "fp": "102025",
        "isd": [
            {
                "ctin": "27AABCR1718E1ZP",
                "doclst": [isd_row(camt=Decimal("5"), samt=Decimal("5")), isd_row("XYZ", "ISD/2")],
            }
        ],
    }
    first, second = read_return(payload, "R6").entries
    assert {p.field: p.code for p in first.problems} == {
        "camt": "TAX_HEAD_MISMATCH",
        "samt": "TAX_HEAD_MISMATCH",
    }
    assert {p.field: p.code for p in second.problems} == {"isd_docty": "INVALID_FIELD"}
    assert second.locator == Locator("isd", "ctin", "27AABCR1718E1ZP", "docnum", "ISD/2")


def test_an_isd_distributes_only_to_units_of_its_own_pan():
    payload = {
        "gstin": "29AABCR1718E1ZL",
        "fp": "102025",
        "isd": [{"ctin": "27AAPFU0939F1ZV", "doclst": [isd_row()]}],
    }
    (entry,) = read_return(payload, "R6").entries
    assert entry.document is None and [p.code for p in entry.problems] == ["OTHER_PAN"]
    assert entry.problems[0].message.startswith("ctin: 27AAPFU0939F1ZV is not a registration of the ISD's PAN")


@pytest.mark.parametrize("fp", ["032025", "062025", "092025", "122025"])
def test_an_iff_for_the_last_month_of_a_quarter_is_refused_whole(fp):
    with pytest.raises(ReturnRejected, match=f"fp: an IFF covers only the first two months of a quarter; {fp}"):
        read_return({"gstin": FILER, "fp": fp}, "IFF")
    assert read_return({"gstin": FILER, "fp": "082025"}, "IFF").entries == ()


def test_an_amendment_cannot_name_an_original_dated_after_its_return_period():
    amended = inv("INV/1A", oinum="INV/1", oidt="05-11-2025")
    (entry,) = read_return(gstr1(b2ba=[{"ctin": RECIPIENT, "inv": [amended]}]), "R1").entries
    assert [(p.field, p.code) for p in entry.problems] == [("oidt", "DATE_OUT_OF_RANGE")]

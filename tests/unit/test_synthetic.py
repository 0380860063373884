import io
import json
import re
from collections import Counter
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.common.gst.gstin import parse_gstin
from services.common.gst.periods import Period, financial_year_of
from services.common.gst.sections import section
from services.demo.parties import make_pan
from services.demo.synthetic import (
    Mix,
    bills_of_entry,
    demo_dataset,
    dump,
    dumps,
    eco_return,
    gstr1_return,
    isd_return,
    large_return,
    make_gstin,
    make_universe,
    write_large_return,
)
from services.ingest.domain.documents import Document
from services.ingest.domain.gstr1 import ReturnContents, read_return
from services.ingest.domain.validation import validate_boe

UNIVERSE = make_universe(42)
BUSY = Mix(0.1, 0.05, 0.08, 0.04, 0.05, 0.05, 0.05, 0.05)
PERIODS = ("072017", "032018", "042024", "082025", "092025", "102025", "012026")
NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9/-]{0,15}")
SLOW = settings(max_examples=15, deadline=None)


def valid(payload, source_form="R1") -> ReturnContents:
    """read_return on the payload as it travels (dumps, then json.loads with Decimal), zero problems."""
    contents = read_return(json.loads(dumps(payload), parse_float=Decimal), source_form)
    assert [(e.locator, e.problems) for e in contents.refused] == []
    return contents


def valid_boes(payload):
    documents = [validate_boe(raw) for raw in json.loads(dumps(payload), parse_float=Decimal)["boe"]]
    assert [d for d in documents if isinstance(d, list)] == []
    return documents


def test_generated_gstins_parse_with_the_requested_state_and_entity_code():
    import random

    rng = random.Random(3)
    for state in ("27", "29", "33", "07", "24", "09", "19", "32", "01", "38", "97"):
        for entity in "129AZ":
            gstin = parse_gstin(make_gstin(rng, state, entity))
            assert (gstin.state_code, gstin.value[12], gstin.value[13]) == (state, entity, "Z")
            assert gstin.pan[3] in "CFPH"
    assert re.fullmatch(r"[A-Z]{3}C[A-Z][0-9]{4}[A-Z]", make_pan(rng, "C"))


def test_the_universe_spans_states_and_every_party_gstin_is_valid():
    universe = make_universe(1)
    parties = [*universe.suppliers, *universe.recipients, *universe.eco_operators, universe.isd]
    assert [parse_gstin(gstin).value for gstin in parties] == parties
    assert len(universe.suppliers) == 200 and len(universe.recipients) == 20
    assert {"27", "29", "33", "07", "24", "09", "19", "32"} <= {gstin[:2] for gstin in universe.suppliers}
    assert len({gstin[2:12] for gstin in universe.suppliers} & {gstin[2:12] for gstin in universe.recipients}) == 0
    assert set(universe.sez_units) <= set(universe.recipients[universe.large :])
    assert universe.isd not in universe.isd_units
    assert {unit[2:12] for unit in universe.isd_units} == {universe.isd[2:12]}
    assert make_universe(1) == universe != make_universe(2)


def test_the_few_large_recipients_receive_most_documents():
    documents = valid(gstr1_return(UNIVERSE, 5, UNIVERSE.suppliers[0], "102025", 3000)).documents
    per_recipient = Counter(doc.recipient for doc in documents)
    large = sum(per_recipient[gstin] for gstin in UNIVERSE.recipients[: UNIVERSE.large])
    assert large > len(documents) / 2
    assert len(per_recipient) > UNIVERSE.large


@SLOW
@given(
    seed=st.integers(0, 10**6),
    fp=st.sampled_from(PERIODS),
    documents=st.integers(0, 150),
    supplier=st.sampled_from(UNIVERSE.suppliers[:20]),
)
def test_every_generated_gstr1_return_validates_with_zero_problems(seed, fp, documents, supplier):
    contents = valid(gstr1_return(UNIVERSE, seed, supplier, fp, documents, mix=BUSY))
    assert len(contents.documents) == documents
    assert all(doc.supplier == supplier and doc.return_period == Period.parse(fp) for doc in contents.documents)


@SLOW
@given(seed=st.integers(0, 10**6), fp=st.sampled_from(PERIODS), documents=st.integers(1, 80))
def test_every_generated_eco_and_isd_return_validates_with_zero_problems(seed, fp, documents):
    eco = valid(eco_return(UNIVERSE, seed, fp, documents, amendments=0.1))
    assert {doc.section for doc in eco.documents} <= {"ecom", "ecoma"}
    assert all(doc.ecom_operator == UNIVERSE.eco_operators[0] for doc in eco.documents)
    isd = valid(isd_return(UNIVERSE, seed, fp, documents, amendments=0.1), "R6")
    assert {doc.section for doc in isd.documents} <= {"isd", "isdcn", "isda"}
    assert len(eco.documents) == len(isd.documents) == documents


def test_bills_of_entry_validate_and_include_sez_imports_and_amendments():
    refdt = date(2025, 10, 16)
    documents = valid_boes(bills_of_entry(UNIVERSE, 9, refdt, 40))
    assert {doc.section for doc in documents} == {"impg", "impgsez", "impga"}
    assert all(doc.return_period == Period(2025, 10) and doc.doc_date <= refdt for doc in documents)
    assert len({doc.number for doc in documents}) == 40


def test_the_same_seed_gives_byte_identical_output_and_another_seed_differs():
    def everything(seed):
        universe = make_universe(seed, suppliers=30, recipients=8)
        payloads = [
            gstr1_return(universe, seed, universe.suppliers[3], "102025", 60, mix=BUSY),
            eco_return(universe, seed, "102025", 30),
            isd_return(universe, seed, "102025", 20),
            bills_of_entry(universe, seed, date(2025, 10, 3), 10),
        ]
        return [dumps(payload) for payload in payloads]

    assert everything(11) == everything(11)
    assert all(a != b for a, b in zip(everything(11), everything(12), strict=True))
    assert [dumps(f.payload) for f in demo_dataset()] == [dumps(f.payload) for f in demo_dataset()]


def test_amounts_are_exact_with_two_places_and_val_is_taxable_plus_all_taxes():
    payload = gstr1_return(UNIVERSE, 8, UNIVERSE.suppliers[1], "102025", 400, mix=BUSY)
    text = dumps(payload)
    amounts = re.findall(r'"(?:val|txval|iamt|camt|samt|csamt)":([^,}]+)', text)
    assert amounts and all(re.fullmatch(r"\d+\.\d\d", amount) for amount in amounts)
    for doc in valid(payload).documents:
        assert doc.value == doc.taxable + doc.igst + doc.cgst + doc.sgst + doc.cess
        for item in doc.items:
            tax = Decimal(item.taxable) * Decimal(item.rate) / 100
            if item.igst:
                assert item.igst == tax.quantize(Decimal(1), ROUND_HALF_UP)
            else:
                assert item.cgst == item.sgst == (tax / 2).quantize(Decimal(1), ROUND_HALF_UP)


def test_tax_heads_follow_pos_sez_and_reverse_charge_flags():
    contents = valid(gstr1_return(UNIVERSE, 4, UNIVERSE.suppliers[0], "102025", 400, mix=BUSY))
    state = UNIVERSE.suppliers[0][:2]
    for doc in contents.documents:
        if doc.inv_typ == "SEWP":
            assert doc.recipient in UNIVERSE.sez_units and doc.cgst == doc.sgst == 0
        elif doc.pos == state:
            assert doc.igst == 0 and doc.cgst == doc.sgst
        else:
            assert doc.cgst == doc.sgst == 0 and doc.pos == doc.recipient[:2]
    assert any(doc.reverse_charge for doc in contents.documents)
    assert any(doc.pos == state != doc.recipient[:2] for doc in contents.documents)  # POS-ineligible
    assert any(doc.inv_typ == "SEWP" for doc in contents.documents)


def test_document_numbers_are_unique_per_supplier_per_financial_year_across_returns():
    supplier = UNIVERSE.suppliers[2]
    september = gstr1_return(UNIVERSE, 1, supplier, "092025", 300, mix=BUSY)
    october = gstr1_return(UNIVERSE, 2, supplier, "102025", 300, mix=BUSY, amend_from=september)
    gstr1a = gstr1_return(UNIVERSE, 3, supplier, "102025", 50, mix=BUSY, amend_from=october, first_seq=301)
    seen: Counter[tuple[int, bool, str]] = Counter()
    for payload in (september, october, gstr1a):
        for doc in valid(payload).documents:
            assert NUMBER.fullmatch(doc.number) and len(doc.number) <= 16
            if not doc.is_amendment:
                seen[(financial_year_of(doc.doc_date), section(doc.section).is_note, doc.number.upper())] += 1
    assert max(seen.values()) == 1


def test_dates_stay_in_the_return_period_and_40_percent_starts_on_22_september_2025():
    documents = valid(gstr1_return(UNIVERSE, 6, UNIVERSE.suppliers[5], "092025", 2000)).documents
    assert all(date(2025, 9, 1) <= doc.doc_date <= date(2025, 9, 30) for doc in documents if not doc.is_amendment)
    forty = [doc for doc in documents if any(item.rate == "40" for item in doc.items)]
    assert forty and all(doc.doc_date >= date(2025, 9, 22) for doc in forty)
    first = valid(gstr1_return(UNIVERSE, 6, UNIVERSE.suppliers[5], "072017", 200, mix=BUSY)).documents
    assert all(doc.doc_date >= date(2017, 7, 1) and not doc.is_amendment for doc in first)


def test_amendments_revise_documents_of_the_earlier_return_they_are_given():
    supplier = UNIVERSE.suppliers[3]
    september = gstr1_return(UNIVERSE, 1, supplier, "092025", 100, mix=BUSY)
    october = valid(gstr1_return(UNIVERSE, 2, supplier, "102025", 100, mix=BUSY, amend_from=september))
    originals = {(doc.recipient, doc.number, doc.doc_date, doc.note_type) for doc in valid(september).documents}
    amendments = [doc for doc in october.documents if doc.is_amendment]
    assert {doc.section for doc in amendments} >= {"b2ba"} and len(amendments) == 12
    for doc in amendments:
        assert (doc.recipient, doc.orig_number, doc.orig_date, doc.note_type) in originals
    with pytest.raises(ValueError, match="same supplier"):
        gstr1_return(UNIVERSE, 2, UNIVERSE.suppliers[4], "102025", 10, amend_from=september)


def test_dumps_writes_decimals_as_bare_json_numbers_and_refuses_floats():
    payload = {"val": Decimal("1234.50"), "rt": Decimal("0.25"), "num": 1, "ok": True, "x": None, "s": 'a"b'}
    assert dumps(payload) == '{"val":1234.50,"rt":0.25,"num":1,"ok":true,"x":null,"s":"a\\"b"}'
    out = io.StringIO()
    dump([payload], out)
    assert json.loads(out.getvalue(), parse_float=Decimal)[0]["val"] == Decimal("1234.50")
    with pytest.raises(TypeError):
        dumps({"val": 1.5})


def test_the_large_writer_streams_a_20000_document_file_that_validates_and_matches_its_summary(tmp_path):
    path = tmp_path / "large.json"
    summary = write_large_return(path, 5, "102025", 20_000, recipients=4)
    with path.open() as f:
        payload = json.load(f, parse_float=Decimal)
    contents = read_return(payload, "R1")
    assert contents.refused == () and len(contents.documents) == summary["documents"] == 20_000
    assert {party["ctin"]: len(party["inv"]) for party in payload["b2b"]} == summary["recipients"]
    assert len(summary["recipients"]) == 4 and max(summary["recipients"].values()) > 20_000 / 3
    assert sum(doc.taxable for doc in contents.documents) == summary["taxable_paise"]
    assert sum(doc.value for doc in contents.documents) == summary["value_paise"]
    assert summary["value_paise"] == summary["taxable_paise"] + summary["tax_paise"]
    assert path.read_text() == "".join(large_return(5, "102025", 20_000, recipients=4))


def test_the_large_return_is_produced_in_bounded_chunks():
    chunks = list(large_return(1, "092025", 30_000))
    assert len(chunks) > 8 and max(len(chunk) for chunk in chunks) < 4096 * 400


def test_the_demo_dataset_covers_every_section_family_with_valid_documents():
    sections: Counter[str] = Counter()
    documents: list[Document] = []
    for filing in demo_dataset():
        if filing.form == "boe":
            found = valid_boes(filing.payload)
        else:
            found = list(valid(filing.payload, filing.source_form).documents)
            assert filing.status == "saved" or (
                filing.filed_on is not None and filing.filed_on > Period.parse(filing.payload["fp"]).last_day
            )
        sections.update(doc.section for doc in found)
        documents += found
    expected = {"b2b", "b2ba", "b2bcn", "b2bdn", "b2bcna", "ecom", "ecoma", "isd", "isdcn", "isda", "impg"}
    assert expected <= set(sections), sections
    assert {"impgsez", "impga"} & set(sections)
    assert any(doc.reverse_charge for doc in documents)
    assert any(doc.pos == doc.supplier[:2] != doc.recipient[:2] for doc in documents if doc.items)


def test_the_demo_has_monthly_quarterly_and_saved_returns_filed_after_their_period():
    filings = demo_dataset()
    assert {f.form for f in filings} == {"gstr1", "iff", "gstr1a", "gstr5", "gstr6", "boe"}
    assert [f.status for f in filings].count("saved") == 1
    assert all((f.status == "saved") == (f.filed_on is None) for f in filings)
    assert {f.filed_on for f in filings if f.form == "gstr1" and f.payload["fp"] == "102025"} >= {
        date(2025, 11, 11),
        date(2025, 11, 12),
    }
    assert all(f.quarterly for f in filings if f.form == "iff")
    assert {f.payload["fp"] for f in filings if "fp" in f.payload} == {"092025", "102025"}

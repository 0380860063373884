"""Where GSTN's GSTR-2B lists each document and which keys its records have (docs/rules.md §7.1, §7.2;
services/gstr2b/domain/records.py), held against the key-path specification written from GSTN's format
(tests/golden-spec/gstr2b.keys); the live statements are held against it in tests/e2e/test_gstr2b_key_paths.py."""

from __future__ import annotations

import pytest

from services.common.gst.sections import SECTIONS
from services.gstr2b.domain.layout import BLOCKS, BUCKETS, block_buckets, placement
from services.gstr2b.domain.records import (
    FLAT,
    LISTED_IN,
    PARTY,
    RECORD,
    REDUCTION,
    REVERSED,
    ROWS,
    SEZ_PARTY,
    SUMMARY,
    isd_type,
    listed_in,
)
from tests.support import gstn_keys

SPEC = gstn_keys.load("gstr2b.keys")


def test_every_leaf_a_document_counts_in_is_listed_in_a_section_gstn_has() -> None:
    listed = {listed_in(placement(s.key, rc)[1]) for s in SECTIONS for rc in (False, True)}
    assert listed == set(RECORD) == set(SPEC.children["data.docdata"]) - {"itcrev"}
    assert LISTED_IN == {"cdnrrev": "cdnr", "cdnrarev": "cdnra", "impga": "impg", "impgasez": "impgsez"}


@pytest.mark.parametrize("section", sorted(RECORD))
def test_a_record_has_exactly_the_keys_gstn_defines_for_its_section(section: str) -> None:
    for part in ("docdata", "docRejdata"):
        if section in FLAT:
            container = f"data.{part}.{section}[]"
            assert set(RECORD[section]) == SPEC.children[container], container
            continue
        group = f"data.{part}.{section}[]"
        container = f"{group}.{ROWS[section]}[]"
        assert set(RECORD[section]) == SPEC.required(container), container
        assert SPEC.children[group] == {*(SEZ_PARTY if section == "impgsez" else PARTY), ROWS[section]}
    optional = SPEC.optional.get(f"data.docdata.{section}[].{ROWS.get(section, '')}[]", frozenset())
    assert optional in (frozenset(), frozenset(REDUCTION)), "the ITC-reduction answer is the only optional part"


@pytest.mark.parametrize("section", sorted(REVERSED))
def test_a_reversed_document_has_the_keys_of_gstns_itcrev_records(section: str) -> None:
    assert set(REVERSED[section]) == SPEC.children[f"data.docdata.itcrev[].{section}[].{ROWS[section]}[]"]


@pytest.mark.parametrize("section", sorted(SUMMARY))
def test_a_counterparty_summary_row_has_the_keys_of_gstns_cpsumm_rows(section: str) -> None:
    assert set(SUMMARY[section]) == SPEC.children[f"data.cpsumm.{section}[]"]
    if section in ("b2b", "b2ba", "cdnr", "cdnra"):
        assert set(SUMMARY[section]) == SPEC.children[f"data.cpsumm.itcrev[].{section}"]


def test_itcsumm_has_gstns_buckets_and_leaves_in_every_block_and_no_block_totals() -> None:
    assert set(SPEC.children["data.itcsumm"]) == set(BLOCKS)
    for block in BLOCKS:
        assert SPEC.children[f"data.itcsumm.{block}"] == set(block_buckets(block)), block
        for bucket, leaves in block_buckets(block).items():
            assert SPEC.children[f"data.itcsumm.{block}.{bucket}"] == {*leaves, "igst", "cgst", "sgst", "cess"}
    assert set(block_buckets("itcavl")) == set(BUCKETS)
    assert "revsup" not in block_buckets("itcrev") and "ecom" not in block_buckets("itcrev")["nonrevsup"]


def test_an_isd_document_is_isdi_or_isdc() -> None:
    assert (isd_type(None), isd_type("C")) == ("ISDI", "ISDC")

"""Rules that depend on a document's section live once, as predicates of `Section` (services/common/gst/sections.py):
their members are the GSTN rules', and no other file types a list of section keys, in Python or in SQL."""

from __future__ import annotations

import ast
import re
from collections.abc import Set as AbstractSet
from pathlib import Path

import pytest

from services.common.gst.sections import SECTION_BY_KEY, sections_where, tables_where
from services.common.quoting import sql_list
from services.gstr2b.domain.layout import PLACEMENT, REDUCING_BUCKET, REVERSE_CHARGE

SERVICES = Path(__file__).resolve().parents[2] / "services"
HOME = SERVICES / "common" / "gst" / "sections.py"
# IMS keys spelled as GSTR-1 tables, JSON paths or GSTR-2B sections are: a list of these alone may be either
SHARED_NAMES = frozenset({"b2b", "b2ba", "ecom", "ecoma", "isd", "isda", "impg", "impga", "impgsez"})


def keys(*names: str) -> frozenset[str]:
    return frozenset(names)


def test_the_credit_notes_split_into_originals_and_amendments_of_b2b_and_isd() -> None:
    assert sections_where(lambda s: s.is_credit_note) == keys("b2bcn", "b2bcna", "isdcn", "isdcna")
    assert sections_where(lambda s: s.is_original_credit_note) == keys("b2bcn", "isdcn")
    assert sections_where(lambda s: s.amends_credit_note) == keys("b2bcna", "isdcna")


def test_only_a_b2b_credit_note_adds_its_tax_back_to_the_suppliers_liability_when_rejected() -> None:
    assert sections_where(lambda s: s.adds_back_when_rejected) == keys("b2bcn", "b2bcna")


def test_section_16_4_limits_every_document_but_a_credit_note() -> None:
    assert sections_where(lambda s: not s.itc_time_limited) == sections_where(lambda s: s.is_credit_note)


def test_amendments_of_supplies_are_those_of_invoices_debit_notes_eco_and_isd_invoices() -> None:
    assert sections_where(lambda s: s.amends_supply) == keys("b2ba", "b2bdna", "ecoma", "isda")


def test_an_import_of_goods_document_is_the_only_one_that_cannot_be_rejected() -> None:
    assert sections_where(lambda s: not s.may_be_rejected) == keys("impg", "impga", "impgsez", "impgseza")


def test_notes_are_the_debit_and_credit_notes() -> None:
    assert sections_where(lambda s: s.is_note) == keys("b2bdn", "b2bdna", "b2bcn", "b2bcna", "isdcn", "isdcna")


def test_the_amendment_tables_are_those_whose_documents_land_in_an_amendment_section() -> None:
    assert tables_where(lambda s: s.is_amendment) == keys("b2ba", "cdnra", "ecoma.b2ba", "ecoma.urp2ba", "isda")


def test_gstr2b_places_credit_notes_in_the_reducing_bucket_and_reverse_charge_only_for_all_other_itc() -> None:
    assert PLACEMENT.keys() == SECTION_BY_KEY.keys()
    for key, (bucket, _) in PLACEMENT.items():
        kind = SECTION_BY_KEY[key]
        assert (bucket == REDUCING_BUCKET) == kind.is_credit_note, key
        assert (bucket == "imports") == kind.is_import, key
    assert REVERSE_CHARGE.keys() == sections_where(lambda s: not (s.is_import or s.is_isd))
    for key, (bucket, _) in REVERSE_CHARGE.items():
        assert (bucket == REDUCING_BUCKET) == SECTION_BY_KEY[key].is_credit_note, key


def test_an_sql_list_is_sorted_and_quoted_and_never_empty() -> None:
    assert sql_list({"isdcn", "b2bcn"}) == "('b2bcn', 'isdcn')"
    assert sql_list(["o'clock"]) == "('o''clock')"
    for bad in ([], ["a\x00b"], [1]):
        with pytest.raises(ValueError):
            sql_list(bad)  # type: ignore[arg-type]


def _typed_section_lists(path: Path) -> list[str]:
    """Set, tuple or list literals of two or more IMS section keys, and SQL text listing two of them, where
    one at least is a name only IMS uses."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Set | ast.Tuple | ast.List) and len(node.elts) >= 2:
            names = {e.value for e in node.elts if isinstance(e, ast.Constant)}
            if len(names) == len(node.elts) and _ims_only_list(names):
                found.append(f"{path.relative_to(SERVICES.parent)}:{node.lineno}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            quoted = re.findall(r"'([a-z0-9]+)'\s*,\s*'([a-z0-9]+)'", node.value)
            if any(_ims_only_list({a, b}) for a, b in quoted):
                found.append(f"{path.relative_to(SERVICES.parent)}:{node.lineno}")
    return found


def _ims_only_list(names: AbstractSet[object]) -> bool:
    return names <= SECTION_BY_KEY.keys() and not names <= SHARED_NAMES


def test_no_module_but_the_section_table_types_a_list_of_section_keys() -> None:
    typed = [hit for path in sorted(SERVICES.rglob("*.py")) if path != HOME for hit in _typed_section_lists(path)]
    assert typed == [], "use a Section predicate with sections_where (and sql_list for SQL)"

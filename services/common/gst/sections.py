"""IMS sections: the dashboard rows a document can appear in, and how GSTR-1 tables map to them.

Every rule that depends on the kind of document (credit note, import, ISD, amendment of what) is a
predicate of `Section` here; code that needs the members asks `sections_where`, and SQL that needs them
renders that set (`services.common.quoting.sql_list`), so no list of section keys is typed twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

GROUP_ALL_OTHER_ITC = "all_oth"
GROUP_ISD = "inv_supp_isd"
GROUP_IMPORTS = "imp_gds"
GROUPS = (GROUP_ALL_OTHER_ITC, GROUP_ISD, GROUP_IMPORTS)


@dataclass(frozen=True, slots=True)
class Section:
    """One IMS dashboard row, keyed by the GSTN API section key."""

    key: str
    group: str
    heading: str
    original_key: str | None = None  # for an amendment row: the row of the documents it amends
    note_type: str | None = None  # "C" credit note, "D" debit note, None otherwise

    @property
    def is_amendment(self) -> bool:
        return self.original_key is not None

    @property
    def is_credit_note(self) -> bool:
        return self.note_type == "C"

    @property
    def is_note(self) -> bool:
        return self.note_type is not None

    @property
    def is_import(self) -> bool:
        return self.group == GROUP_IMPORTS

    @property
    def is_isd(self) -> bool:
        return self.group == GROUP_ISD

    @property
    def number_key(self) -> str:
        """The GETINV / SAVE key of the document's number: `boenum`, `nt_num` or `inum` (docs/rules.md §8)."""
        return "boenum" if self.is_import else "nt_num" if self.is_note else "inum"

    @property
    def is_original_credit_note(self) -> bool:
        return self.is_credit_note and not self.is_amendment

    @property
    def amends_credit_note(self) -> bool:
        return self.is_credit_note and self.is_amendment

    @property
    def amends_supply(self) -> bool:
        """An amendment of an invoice, debit note or ECO document (an ISD invoice too; not a Bill of Entry):
        a downward one reduces the ITC its original gave, so its Pending and ITC-reduction rules are those of
        a credit note's (docs/rules.md §3)."""
        return self.is_amendment and not self.is_credit_note and not self.is_import

    @property
    def may_be_rejected(self) -> bool:
        """Import of Goods documents can be accepted or kept Pending only (docs/rules.md §3)."""
        return not self.is_import

    @property
    def adds_back_when_rejected(self) -> bool:
        """A B2B credit note: rejecting it adds its tax back to the supplier's GSTR-3B liability (docs/rules.md
        §6). An ISD credit note is not one: the distributor has no output liability to add it to."""
        return self.is_credit_note and self.group == GROUP_ALL_OTHER_ITC

    @property
    def reported_by_operator(self) -> bool:
        """An ECO 9(5) document: the e-commerce operator reports it in its GSTR-1 table 15 and pays its tax, so
        the operator, not the seller, is its counterparty in GSTR-2B ("GSTIN of ECO", docs/rules.md §7)."""
        return (self.original_key or self.key) == "ecom"

    @property
    def itc_time_limited(self) -> bool:
        """Whether section 16(4) limits the time to take its ITC: a credit note gives none (docs/rules.md §2)."""
        return not self.is_credit_note


SECTIONS: tuple[Section, ...] = (
    Section("b2b", GROUP_ALL_OTHER_ITC, "I B2B - Invoices"),
    Section("b2ba", GROUP_ALL_OTHER_ITC, "II B2B - Invoices (Amendments)", "b2b"),
    Section("b2bdn", GROUP_ALL_OTHER_ITC, "III B2B - Debit Notes", None, "D"),
    Section("b2bdna", GROUP_ALL_OTHER_ITC, "IV B2B - Debit Notes (Amendments)", "b2bdn", "D"),
    Section("b2bcn", GROUP_ALL_OTHER_ITC, "V B2B - Credit Notes", None, "C"),
    Section("b2bcna", GROUP_ALL_OTHER_ITC, "VI B2B - Credit Notes (Amendments)", "b2bcn", "C"),
    Section("ecom", GROUP_ALL_OTHER_ITC, "VII Eco [9(5)] Invoices"),
    Section("ecoma", GROUP_ALL_OTHER_ITC, "VIII Eco [9(5)] Invoices (Amendments)", "ecom"),
    Section("isd", GROUP_ISD, "ISD invoices"),
    Section("isda", GROUP_ISD, "ISD invoices (amendments)", "isd"),
    Section("isdcn", GROUP_ISD, "ISD credit notes", None, "C"),
    Section("isdcna", GROUP_ISD, "ISD credit notes (amendments)", "isdcn", "C"),
    Section("impg", GROUP_IMPORTS, "IMPG"),
    Section("impga", GROUP_IMPORTS, "IMPG (Amendments)", "impg"),
    Section("impgsez", GROUP_IMPORTS, "IMPGSEZ"),
    Section("impgseza", GROUP_IMPORTS, "IMPGSEZ (Amendments)", "impgsez"),
)

SECTION_BY_KEY: Mapping[str, Section] = {section.key: section for section in SECTIONS}


def sections_where(predicate: Callable[[Section], bool]) -> frozenset[str]:
    """The keys of the sections the predicate holds for, e.g. ``sections_where(lambda s: s.is_import)``."""
    return frozenset(s.key for s in SECTIONS if predicate(s))


_BY_TABLE: Mapping[tuple[str, str | None], str] = {
    ("b2b", None): "b2b",
    ("b2ba", None): "b2ba",
    ("cdnr", "C"): "b2bcn",
    ("cdnr", "D"): "b2bdn",
    ("cdnra", "C"): "b2bcna",
    ("cdnra", "D"): "b2bdna",
    ("ecom.b2b", None): "ecom",
    ("ecom.urp2b", None): "ecom",
    ("ecoma.b2ba", None): "ecoma",
    ("ecoma.urp2ba", None): "ecoma",
    ("isd", "I"): "isd",
    ("isd", "C"): "isdcn",
    ("isda", "I"): "isda",
    ("isda", "C"): "isdcna",
}


def section(key: str) -> Section:
    """The Section for an IMS key; unknown keys raise KeyError."""
    return SECTION_BY_KEY[key]


def tables_where(predicate: Callable[[Section], bool]) -> frozenset[str]:
    """The GSTR-1 / GSTR-6 tables (as `section_for` names them) whose documents land in a section the
    predicate holds for, e.g. the amendment tables."""
    return frozenset(table for (table, _), key in _BY_TABLE.items() if predicate(SECTION_BY_KEY[key]))


def section_for(table: str, note_type: str | None) -> str:
    """IMS section key for a document of a GSTR-1/GSTR-6 table.

    ``note_type`` is the note type ("C"/"D") for cdnr/cdnra and the ISD document type
    ("I" invoice, "C" credit note) for isd/isda; it is ignored for invoice tables.
    """
    kind = note_type if table in ("cdnr", "cdnra", "isd", "isda") else None
    try:
        return _BY_TABLE[(table, kind)]
    except KeyError:
        raise ValueError(f"no IMS section for table {table!r} with type {note_type!r}") from None


def boe_section(is_sez: bool, is_amendment: bool) -> str:
    """IMS section key for a Bill of Entry."""
    base = "impgsez" if is_sez else "impg"
    return base + "a" if is_amendment else base

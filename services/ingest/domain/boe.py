"""Bills of Entry (imports of goods, ICEGATE data) validated into Documents.

A BoE is a self-import: the importer is both supplier and recipient, tax is IGST (+ cess) only,
the place of supply is the importer's state, and the return period is the month of ``refdt``. A BoE of
goods from an SEZ unit or developer (``is_sez`` Y) names that supplier's GSTIN (``sez_gstin``): GSTR-2B
lists it under that supplier (`impgsez[].ctin`); any other BoE is refused when it names one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from services.common.gst.gstin import Gstin
from services.common.gst.periods import BOE_FORM, Period
from services.common.gst.sections import boe_section
from services.ingest.domain.checker import Checker
from services.ingest.domain.documents import Document
from services.ingest.domain.problems import Problem, problem
from services.ingest.domain.rules import (
    parse_amount,
    parse_boe_number,
    parse_choice,
    parse_date,
    parse_gstin_field,
    parse_port_code,
)

FIELDS = frozenset(
    (
        "rtin",
        "port_code",
        "boe_num",
        "boe_dt",
        "refdt",
        "txval",
        "iamt",
        "csamt",
        "is_sez",
        "amd",
        "oboe_num",
        "oboe_dt",
        "sez_gstin",
    )
)
"""Every field `validate_boe` reads: a body's other fields are skipped unread (services/ingest/boe_body.py)."""


def validate_boe(raw: Mapping[str, object]) -> Document | list[Problem]:
    """A Bill of Entry: ``rtin``, ``port_code``, ``boe_num``, ``boe_dt``, ``refdt``, ``txval``,
    ``iamt``, ``csamt`` (default 0), ``is_sez`` and ``amd`` ("Y"/"N", default "N"), for an
    amendment ``oboe_num`` / ``oboe_dt``, and when ``is_sez`` is Y the SEZ supplier's ``sez_gstin``.
    No context is needed: the BoE names its importer.
    """
    check = Checker()
    importer = check.take(parse_gstin_field(raw.get("rtin"), "rtin"))
    port_code = check.take(parse_port_code(raw.get("port_code")))
    number = check.take(parse_boe_number(raw.get("boe_num"), "boe_num"))
    reference = check.take(parse_date(raw.get("refdt"), "refdt"))
    period = Period.of(reference) if reference is not None else None
    boe_date = check.take(parse_date(raw.get("boe_dt"), "boe_dt", period))
    if boe_date is not None and reference is not None and boe_date > reference:
        check.add(
            problem(
                "boe_dt",
                "DATE_OUT_OF_RANGE",
                f"{raw.get('boe_dt')} is after the reference date refdt {raw.get('refdt')} (a Bill of Entry "
                "reaches GST only after it is assessed)",
            )
        )
    taxable = check.take(parse_amount(raw.get("txval"), "txval"))
    igst = check.take(parse_amount(raw.get("iamt"), "iamt"))
    cess = check.take(parse_amount(raw.get("csamt"), "csamt", required=False))
    sez_choice = check.take(parse_choice(raw.get("is_sez"), "is_sez", ("Y", "N"), "N"))
    is_sez = sez_choice == "Y"
    amendment = check.take(parse_choice(raw.get("amd"), "amd", ("Y", "N"), "N")) == "Y"
    sez_supplier = _sez_supplier(raw, sez_choice, importer, check)
    orig_number: str | None = None
    orig_date: date | None = None
    if amendment:
        orig_number = check.take(parse_boe_number(raw.get("oboe_num"), "oboe_num"))
        orig_date = check.take(parse_date(raw.get("oboe_dt"), "oboe_dt", period))
    problems = check.problems()
    if problems:
        return problems
    assert importer and port_code and number and boe_date and period  # no problems: all parsed
    assert taxable is not None and igst is not None and cess is not None
    return Document(
        section=boe_section(is_sez, amendment),
        supplier=importer.value,
        recipient=importer.value,
        number=number,
        doc_date=boe_date,
        source_form=BOE_FORM,
        return_period=period,
        inv_typ="IMPGSEZ" if is_sez else "IMPG",
        pos=importer.state_code,
        reverse_charge=False,
        value=taxable + igst + cess,
        taxable=taxable,
        igst=igst,
        cgst=0,
        sgst=0,
        cess=cess,
        orig_number=orig_number,
        orig_date=orig_date,
        port_code=port_code,
        sez_supplier=sez_supplier,
    )


def _sez_supplier(raw: Mapping[str, object], is_sez: str | None, importer: Gstin | None, check: Checker) -> str | None:
    """The SEZ unit or developer that supplied the goods: required for an SEZ BoE, refused on any other."""
    if is_sez != "Y":
        if is_sez == "N" and raw.get("sez_gstin") is not None:
            check.add(
                problem(
                    "sez_gstin",
                    "INVALID_FIELD",
                    "only a Bill of Entry of goods from an SEZ (is_sez Y) names the SEZ supplier",
                )
            )
        return None
    supplier = check.take(parse_gstin_field(raw.get("sez_gstin"), "sez_gstin"))
    if supplier is None:
        return None
    if importer is not None and supplier.value == importer.value:
        check.add(problem("sez_gstin", "SELF_SUPPLY", f"{supplier.value} is the importer's own GSTIN (rtin)"))
    return supplier.value

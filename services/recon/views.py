"""`GET /v1/ims/{gstin}/recon`: the recipient's books against its IMS documents for one financial year,
computed on demand from the read models (not yet a projection of the log) under the recipient's policy in force
and with its live manual links, filtered and summarised (docs/rules.md §10.4). Amounts leave as JSON numbers
with two decimals, never through a float. `reconciled` is the same computation for `POST .../recon/apply`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from services.common.gst.periods import Period
from services.common.money_json import money
from services.recon import sources
from services.recon.domain.documents import Link
from services.recon.domain.policy import HEADS, TOTAL_TAX, Policy
from services.recon.domain.reconcile import Outcome, detail_row, reconcile
from services.recon.domain.summary import Filter, selected, summary

_MONEY = frozenset((*HEADS, TOTAL_TAX))


@dataclass(frozen=True, slots=True)
class Selected:
    policy: Policy
    outcomes: list[Outcome]
    unused_links: tuple[Link, ...]


def reconciled(engine: Engine, recipient: str, start_year: int, chosen: Filter) -> Selected:
    """Reconcile the year under the recipient's policy and links, and keep what the filter selects: this API's
    answer, `POST .../recon/apply`'s selection and the web dashboard's reconciliation page
    (services/web/recon_page.py)."""
    with engine.connect() as conn:
        books, ims = sources.load(conn, recipient, start_year)
        policy, links = sources.policy(conn, recipient), sources.links(conn, recipient)
    period_end = chosen.period.last_day if chosen.period is not None else None
    found = reconcile(books, ims, policy, links, period_end)
    vouchers, documents = {b.voucher_id for b in books}, {d.doc_key for d in ims}
    unused = tuple(k for k in found.unused_links if k.voucher_id in vouchers or k.doc_key in documents)
    return Selected(policy, selected(found.outcomes, chosen), unused)


def recon(engine: Engine, recipient: str, start_year: int, chosen: Filter, limit: int | None) -> dict[str, Any]:
    """The filter's summary and its first `limit` rows (every row for None: a download); `unused_links` the live
    links of the year that could not be used (their other side not live in it, or paired already)."""
    found = reconciled(engine, recipient, start_year, chosen)
    outcomes = found.outcomes
    return {
        "gstin": recipient,
        "fy": fy_of(start_year),
        "period": chosen.period.mmyyyy if chosen.period is not None else None,
        "policy_version": found.policy.version,
        "computed": "on_demand",
        "summary": _summary_money(summary(outcomes)),
        "rows_total": len(outcomes),
        "rows": [_row_money(detail_row(o)) for o in (outcomes if limit is None else outcomes[:limit])],
        "unused_links": [{"voucher_id": k.voucher_id, "doc_id": k.doc_key} for k in found.unused_links],
    }


def fy_of(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def _summary_money(found: dict[str, Any]) -> dict[str, Any]:
    for totals in [*found["by_category"].values(), *found["by_supplier"]]:
        for key in ("taxable_difference", "tax_difference"):
            totals[key] = money(totals[key])
    return found


def _row_money(row: dict[str, Any]) -> dict[str, Any]:
    for difference in row["differences"]:
        if difference["field"] in _MONEY:
            for key in ("books", "supplier", "delta"):
                difference[key] = money(difference[key])
    if "itc_reduction" in row:
        row["itc_reduction"] = {head: money(value) for head, value in row["itc_reduction"].items()}
    return row


def start_year_of(fy: str | None, period: Period | None) -> int:
    """The financial year asked for: `fy` as "2025-26", else the period's; ValueError naming the parameter."""
    if fy is None:
        if period is None:
            raise ValueError("fy: required (e.g. 2025-26) unless period (MMYYYY) is given")
        return period.financial_year
    first, _, second = fy.partition("-")
    if not (len(first) == 4 and len(second) == 2 and (first + second).isascii() and (first + second).isdigit()):
        raise ValueError(f"fy: a financial year as YYYY-YY, e.g. 2025-26, got {fy[:20]!r}")
    start = int(first)
    if (start + 1) % 100 != int(second) or not 2017 <= start <= 2098:
        raise ValueError(f"fy: {fy} is not a financial year from 2017-18")
    if period is not None and period.financial_year != start:
        raise ValueError(f"period: {period.mmyyyy} is not in the financial year {fy}")
    return start

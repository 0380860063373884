"""Read side of the IMS: dashboard counts (GETCNT) and document listings (GETINV) with a stable cursor."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, text

from services.actions.domain.model import ACTION_NAMES, ImsDocument
from services.actions.projector.bulk_apply import ALLOWED, DEFAULT_YES
from services.actions.projector.store import COLUMNS, _from_row
from services.common.gst.sections import SECTIONS, sections_where
from services.common.quoting import sql_list

GROUPS = ("all_oth", "inv_supp_isd", "imp_gds")
STATUS_CODES = {
    "noaction": "N",
    "accept": "A",
    "reject": "R",
    "pending": "P",
    "N": "N",
    "A": "A",
    "R": "R",
    "P": "P",
}


def _connected(bind: Engine | Connection) -> contextlib.AbstractContextManager[Connection]:
    """A connection of its own from an engine; an as-of view's connection (its search path) as it is."""
    return bind.connect() if isinstance(bind, Engine) else contextlib.nullcontext(bind)


def counts(engine: Engine | Connection, recipient: str, rtnprd: str | None = None) -> dict[str, Any]:
    """The GETCNT shape: every group and section present, zeros included, `ttl_cnt` per group."""
    query = "SELECT section, action, sum(n) FROM ims_counts WHERE recipient = :r"
    params: dict[str, Any] = {"r": recipient}
    if rtnprd:
        query += " AND return_period = :p"
        params["p"] = rtnprd
    with _connected(engine) as conn:
        found = {(s, a): int(n) for s, a, n in conn.execute(text(query + " GROUP BY section, action"), params)}
    result: dict[str, Any] = {group: {} for group in GROUPS}
    for section in SECTIONS:
        result[section.group][section.key] = {
            name: found.get((section.key, code), 0) for code, name in ACTION_NAMES.items()
        }
    for group in GROUPS:
        result[group]["ttl_cnt"] = sum(sum(v.values()) for v in result[group].values())
    return result


@dataclass(frozen=True, slots=True)
class Selection:
    recipient: str
    section: str | None = None
    status: str | None = None  # N / A / R / P (or the GETCNT names)
    stin: str | None = None
    rtnprd: str | None = None
    q: str | None = None  # document number prefix, case-insensitive
    group: str | None = None  # a dashboard tab (all_oth, inv_supp_isd, imp_gds): its sections only

    def where(self) -> tuple[str, dict[str, Any]]:
        clauses = ["recipient = :r", "route = 'ims'", "NOT frozen", "superseded_by IS NULL"]
        params: dict[str, Any] = {"r": self.recipient}
        if self.section:
            clauses.append("section = :section")
            params["section"] = self.section
        if self.status:
            clauses.append("action = :status")
            params["status"] = STATUS_CODES[self.status]
        if self.group:
            clauses.append(f"section IN {sql_list(sections_where(lambda s: s.group == self.group))}")
        if self.stin:
            clauses.append("supplier = :stin")
            params["stin"] = self.stin
        if self.rtnprd:
            clauses.append("return_period = :rtnprd")
            params["rtnprd"] = self.rtnprd
        if self.q:
            clauses.append("upper(number) LIKE :q ESCAPE '\\'")
            escaped = self.q.upper().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params["q"] = escaped + "%"
        return " AND ".join(clauses), params


def page(
    engine: Engine | Connection, selection: Selection, limit: int, cursor: tuple[str, str] | None
) -> list[ImsDocument]:
    """Keyset pagination on (section, doc_key): stable while documents arrive or change."""
    where, params = selection.where()
    if cursor is not None:
        where += " AND (section, doc_key) > (:c_section, :c_key)"
        params |= {"c_section": cursor[0], "c_key": cursor[1]}
    with _connected(engine) as conn:
        rows = conn.execute(
            text(
                f"SELECT {', '.join(COLUMNS)} FROM ims_documents WHERE {where} ORDER BY section, doc_key LIMIT :limit"
            ),
            params | {"limit": limit},
        )
        return [_from_row(row) for row in rows]


def stream(engine: Engine, selection: Selection, chunk: int = 5000) -> Iterator[ImsDocument]:
    """Every selected document in cursor order, fetched in chunks (bounded memory for downloads)."""
    cursor: tuple[str, str] | None = None
    while True:
        batch = page(engine, selection, chunk, cursor)
        yield from batch
        if len(batch) < chunk:
            return
        cursor = (batch[-1].section, batch[-1].doc_key)


def bulk_selection(engine: Engine, selection: Selection, action: str, remarks: str | None) -> list[tuple[Any, ...]]:
    """(section, supplier, doc_key, version_hash, surely allowed, defaulted) of every selected document in cursor
    order: `bulk_apply.ALLOWED` for the action a bulk request (without ITC-reduction answer) builds, and
    `bulk_apply.DEFAULT_YES`, whether that action takes the ITC-reduction answer as Yes (docs/rules.md §3.12)."""
    where, params = selection.where()
    request = (
        "SELECT CAST(:action AS text) AS action, d.version_hash, CAST(:remarks AS text) AS remarks, "
        "CAST(NULL AS text) AS itc_red_req, CAST(NULL AS bigint) AS decl_igst, CAST(NULL AS bigint) AS decl_cgst, "
        "CAST(NULL AS bigint) AS decl_sgst, CAST(NULL AS bigint) AS decl_cess"
    )
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                f"SELECT d.section, d.supplier, d.doc_key, d.version_hash, {ALLOWED}, {DEFAULT_YES} "
                f"FROM (SELECT * FROM ims_documents WHERE {where}) AS d CROSS JOIN LATERAL ({request}) AS i "
                "ORDER BY d.section, d.doc_key"
            ),
            params | {"action": action, "remarks": remarks},
        )
        return [tuple(row) for row in rows]


def document(conn: Connection, recipient: str, doc_key: str) -> ImsDocument | None:
    row = conn.execute(
        text(f"SELECT {', '.join(COLUMNS)} FROM ims_documents WHERE recipient = :r AND doc_key = :k"),
        {"r": recipient, "k": doc_key},
    ).first()
    return _from_row(row) if row else None

"""The few reads the pages need beyond GETCNT / GETINV / history (services/actions/views): which recipients
and periods to offer, what is due soon (by the deadline notices' own SQL), how many documents a filter
selects, and the change marker the live counts poll."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import Engine, text

from services.actions.domain.deadlines import DEEMED_ACCEPTANCE, generation_dates
from services.actions.projector.deadlines import DEADLINES, GENERATED, UNDECIDED
from services.actions.views.queries import Selection
from services.common.tokens import Principal
from services.gstr2b.generation import is_quarterly
from services.web.formats import period_order

MAX_RECIPIENTS = 500  # an admin's GSTIN picker lists at most this many recipients


def recipients(engine: Engine, who: Principal) -> list[str]:
    """The GSTINs the session may open: a recipient token's own; for admin, every recipient with documents."""
    if who.role != "admin":
        return sorted(who.gstins)
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT DISTINCT recipient FROM ims_counts ORDER BY recipient LIMIT :n"), {"n": MAX_RECIPIENTS}
        ).scalars()
        return list(found)


def periods(engine: Engine, recipient: str) -> list[str]:
    """Return periods with documents in the recipient's IMS, latest first."""
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT DISTINCT return_period FROM ims_counts WHERE recipient = :r AND n > 0"), {"r": recipient}
        ).scalars()
        return sorted(found, key=period_order, reverse=True)


def gstr2b_periods(engine: Engine, recipient: str) -> list[str]:
    """Periods with a generated GSTR-2B, latest first."""
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT DISTINCT period FROM gstr2b_versions WHERE recipient = :r"), {"r": recipient}
        ).scalars()
        return sorted(found, key=period_order, reverse=True)


# Per return period and kind, the undecided documents and their earliest deadline, by the notices' own
# statement of each deadline (services/actions/projector/deadlines.py); No Action documents without a day (a
# saved return, or one a GSTR-2B already carried) are counted too, with none.
_DUE = text(
    f"SELECT d.return_period, k.kind, count(*), min(k.deadline) FROM ims_documents d {GENERATED} {DEADLINES} "
    f"WHERE {UNDECIDED} AND (k.deadline IS NOT NULL OR (k.kind = '{DEEMED_ACCEPTANCE}' AND d.action = 'N')) "
    "GROUP BY d.return_period, k.kind"
)
_NO_ACTION_PERIODS = text(
    f"SELECT DISTINCT d.gstr2b_period FROM ims_documents d WHERE {UNDECIDED} AND d.action = 'N' "
    "AND d.gstr2b_period IS NOT NULL"
)


def due_rows(engine: Engine, recipient: str) -> tuple[bool, list[tuple[str, str, int, str | None]]]:
    """(whether the recipient files quarterly, rows): a row per return period and deadline kind (Pending window,
    section 16(4) limit, deemed acceptance) with its documents and the earliest deadline (ISO), the days those
    the deadline notices announce: the GSTR-2B day by the recipient's own frequency."""
    with engine.connect() as conn:
        quarterly = is_quarterly(conn, recipient)
        periods = conn.execute(_NO_ACTION_PERIODS, {"r": recipient}).scalars()
        generated = sorted(generation_dates(periods, quarterly).items())
        params = {"r": recipient, "gp": [p for p, _ in generated], "gd": [d for _, d in generated]}
        rows = conn.execute(_DUE, params).all()
    return quarterly, [(p, kind, int(n), day.isoformat() if day else None) for p, kind, n, day in rows]


def selected_count(engine: Engine, selection: Selection) -> int:
    where, params = selection.where()
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM ims_documents WHERE {where}"), params).scalar() or 0)


def fingerprint(keys: Iterable[tuple[str, str | None]]) -> str:
    """A digest of (document, version) pairs in order: the documents a confirmed bulk action was shown to
    touch. Executing compares it with the selection then, so nothing the user did not see is changed."""
    digest = hashlib.sha256()
    for key, version in keys:
        digest.update(f"{key}\x00{version or ''}\x01".encode())
    return digest.hexdigest()


def change_marker(engine: Engine) -> str:
    """Moves whenever the IMS projection applies anything (its checkpoints are written in the same transaction
    as the read model): the live counts recompute only when it moved."""
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT coalesce(sum(next_offset), 0), count(*) FROM projection_checkpoints WHERE projection = 'ims'")
        ).one()
    return f"{row[0]}:{row[1]}"

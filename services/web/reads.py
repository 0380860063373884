"""The few reads the pages need beyond GETCNT / GETINV / history (services/actions/views): which recipients
and periods to offer, what is due soon, how many documents a filter selects, and the change marker the
live counts poll."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import Engine, text

from services.actions.views.queries import Selection
from services.common.gst.periods import InvalidPeriod, Period, gstr2b_generation_date
from services.common.tokens import Principal
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


def due_rows(engine: Engine, recipient: str) -> list[tuple[str, str, int, str | None]]:
    """(return period, N or P, documents, deadline ISO) per return period: Pending documents with a window and
    the day it closes (the earliest among them); No Action documents and the day the earliest GSTR-2B they
    fall in is generated (monthly; a saved document has no GSTR-2B period yet, so no day)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT return_period, action, count(*), min(pending_deadline), min(gstr2b_period) FROM ims_documents "
                "WHERE recipient = :r AND route = 'ims' AND NOT frozen AND superseded_by IS NULL "
                "AND (action = 'N' OR (action = 'P' AND pending_deadline IS NOT NULL)) "
                "GROUP BY return_period, action"
            ),
            {"r": recipient},
        ).all()
    return [(p, a, int(n), deadline if a == "P" else _generation(first_2b)) for p, a, n, deadline, first_2b in rows]


def _generation(gstr2b_period: str | None) -> str | None:
    try:
        return gstr2b_generation_date(Period.parse(gstr2b_period), False).isoformat() if gstr2b_period else None
    except InvalidPeriod:
        return None


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

"""`GET /v1/ims/{gstin}/purchases`: the register as the recon projection holds it (`recon_purchases`), a page at a
time in voucher-id order after a keyset cursor (the last voucher id sent), so any page costs one range scan of
the primary key. Each voucher is the row the JSON door takes (amounts in rupees, dates DD-MM-YYYY, `boe` for a
Bill of Entry, `tags`), with its version, whether it is cancelled and the booking request that wrote it.

A read model: a booking shows once `ims consume recon` has applied it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, RowMapping, text

from services.common.money_json import Paise
from services.recon.domain.purchases import AMOUNTS

_COLUMNS = (
    "voucher_id, version, cancelled, reference_id, ctin, doc_type, inum, dt, pos, rev, txval, igst, cgst, sgst, "
    "cess, posting_date, portcode, boenum, tags"
)


@dataclass(frozen=True, slots=True)
class Filter:
    recipient: str
    ctin: str | None = None
    doc_type: str | None = None
    cancelled: bool | None = None


def page(engine: Engine, wanted: Filter, limit: int, after: str | None) -> list[dict[str, Any]]:
    """Up to `limit` vouchers of the filter after voucher id `after`, in voucher-id order."""
    where = ["recipient = :recipient"]
    params: dict[str, Any] = {"recipient": wanted.recipient, "limit": limit, "after": after}
    for column in ("ctin", "doc_type", "cancelled"):
        value = getattr(wanted, column)
        if value is not None:
            where.append(f"{column} = :{column}")
            params[column] = value
    if after is not None:
        where.append("voucher_id > :after")
    query = f"SELECT {_COLUMNS} FROM recon_purchases WHERE {' AND '.join(where)} ORDER BY voucher_id LIMIT :limit"
    with engine.connect() as conn:
        return [voucher(row) for row in conn.execute(text(query), params).mappings()]


def voucher(row: RowMapping) -> dict[str, Any]:
    """The voucher as booked (what `POST .../purchases` would take again), then its state in the register."""
    found: dict[str, Any] = {"voucher_id": row["voucher_id"]}
    found |= {key: row[key] for key in ("ctin", "doc_type", "inum") if row[key]}
    found |= {"dt": f"{row['dt']:%d-%m-%Y}", "pos": row["pos"], "rev": row["rev"]}
    found |= {name: Paise(row[name]) for name in AMOUNTS}
    found["posting_date"] = f"{row['posting_date']:%d-%m-%Y}"
    if row["doc_type"] == "BOE":
        found["boe"] = {"portcode": row["portcode"], "boenum": row["boenum"]}
    found["tags"] = row["tags"]
    return found | {"version": row["version"], "cancelled": row["cancelled"], "reference_id": row["reference_id"]}

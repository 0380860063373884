"""Manual links as `POST /v1/ims/{gstin}/recon/links` sends them (docs/rules.md §10.2): `{"link": [{"voucher_id",
"doc_id"}], "unlink": [{"voucher_id"}]}`, each row checked on its own, every refusal naming its list, row and field.

What the read models must confirm (the voucher booked and live, the document in the recipient's IMS, the
document not linked to another voucher) is decided by `decide`, given what the booking side found; only the
rows' shape is checked here. A voucher has at most one link, so a voucher named twice in one request is refused
on its later row, and so is a document linked twice. Unlinks are decided before links, so one request can move a
document from one voucher to another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from services.common.quoting import cut, shown

MAX_VOUCHER_ID, MAX_DOC_ID = 64, 256
LINK, UNLINK = "link", "unlink"


class LinksRefused(ValueError):
    """A body that is no request of links at all (refused whole, nothing logged)."""


class TooManyLinks(LinksRefused):
    pass


@dataclass(frozen=True, slots=True)
class Row:
    kind: str  # LINK or UNLINK
    row: int  # from 1 within its list
    voucher_id: str
    doc_key: str = ""  # a link's document (GETINV's doc_id)


@dataclass
class Rows:
    rows: list[Row] = field(default_factory=list)
    seen: int = 0  # rows in the body, refused ones included
    errors: dict[str, list[dict[str, object]]] = field(default_factory=dict)

    def refuse(self, kind: str, row: int, found: Mapping[str, object], name: str, code: str, message: str) -> None:
        error: dict[str, object] = {"row": row}
        for key in ("voucher_id", "doc_id"):
            if isinstance(found.get(key), str):
                error[key] = cut(str(found[key]), MAX_DOC_ID)
        error |= {"field": name, "error_cd": code, "error_msg": f"{name}: {message}"}
        self.errors.setdefault(kind, []).append(error)

    @property
    def refused(self) -> int:
        return sum(len(rows) for rows in self.errors.values())


def rows_of(body: object, max_rows: int) -> Rows:
    """The rows of a links body, unlinks first; LinksRefused for a body of another shape."""
    if not isinstance(body, Mapping) or not body or set(body) - {LINK, UNLINK}:
        raise LinksRefused('body: expected {"link": [{"voucher_id", "doc_id"}], "unlink": [{"voucher_id"}]}')
    lists = {kind: body.get(kind, []) for kind in (UNLINK, LINK)}
    for kind, items in lists.items():
        if not isinstance(items, list):
            raise LinksRefused(f"{kind}: a list of rows, got {shown(items)}")
    if sum(len(items) for items in lists.values()) > max_rows:
        raise TooManyLinks(f"body: more than {max_rows} rows; one request links or unlinks at most {max_rows}")
    if not any(lists.values()):
        raise LinksRefused("body: name at least one voucher to link or unlink")
    found = Rows(seen=sum(len(items) for items in lists.values()))
    vouchers: dict[str, str] = {}
    documents: dict[str, int] = {}
    for kind, items in lists.items():
        for number, item in enumerate(items, start=1):
            row = _row(found, kind, number, item)
            if row is None:
                continue
            if row.voucher_id in vouchers:
                message = f"named already on {vouchers[row.voucher_id]}"
                found.refuse(kind, number, item, "voucher_id", "DUPLICATE", message)
                continue
            if kind == LINK and row.doc_key in documents:
                message = f"linked already on link row {documents[row.doc_key]} of this request"
                found.refuse(kind, number, item, "doc_id", "DUPLICATE", message)
                continue
            vouchers[row.voucher_id] = f"{kind} row {number}"
            if kind == LINK:
                documents[row.doc_key] = number
            found.rows.append(row)
    return found


def _row(found: Rows, kind: str, number: int, item: object) -> Row | None:
    names = {"voucher_id", "doc_id"} if kind == LINK else {"voucher_id"}
    if not isinstance(item, Mapping):
        message = f"row {number} must be an object of {', '.join(sorted(names))}"
        found.refuse(kind, number, {}, kind, "INVALID_ROW", message)
        return None
    extra = sorted(str(k) for k in item if k not in names)
    if extra:
        found.refuse(kind, number, item, cut(extra[0]), "INVALID_ROW", f"not a field of a {kind} row")
        return None
    voucher = item.get("voucher_id")
    if not isinstance(voucher, str) or not voucher.strip() or len(voucher.strip()) > MAX_VOUCHER_ID:
        message = f"a voucher id of 1-{MAX_VOUCHER_ID} characters, got {shown(voucher)}"
        found.refuse(kind, number, item, "voucher_id", "INVALID_VOUCHER_ID", message)
        return None
    if kind == UNLINK:
        return Row(kind, number, voucher.strip())
    doc = item.get("doc_id")
    if not isinstance(doc, str) or not doc.strip() or len(doc) > MAX_DOC_ID or doc.count("|") < 3:
        message = f"GETINV's doc_id of the document (section|supplier|year|number), got {shown(doc)}"
        found.refuse(kind, number, item, "doc_id", "INVALID_DOC_ID", message)
        return None
    return Row(kind, number, voucher.strip(), doc.strip())


@dataclass(frozen=True, slots=True)
class Found:
    """What the booking side read for the named vouchers and documents."""

    vouchers: Mapping[str, bool]  # voucher id → cancelled, for every booked one named
    documents: frozenset[str]  # doc ids in the recipient's IMS
    links: Mapping[str, str]  # the live links (voucher → document) touching a named voucher or document


@dataclass
class Decided:
    linked: list[tuple[str, str]] = field(default_factory=list)
    unlinked: list[str] = field(default_factory=list)
    unchanged: int = 0


def decide(rows: Rows, found: Found) -> Decided:
    """Each row against the read models, in order (unlinks first); a refusal joins `rows.errors`."""
    decided = Decided()
    links = dict(found.links)
    holders = {doc: voucher for voucher, doc in links.items()}
    for row in rows.rows:
        shown_row = {"voucher_id": row.voucher_id} | ({"doc_id": row.doc_key} if row.kind == LINK else {})
        if row.voucher_id not in found.vouchers:
            rows.refuse(row.kind, row.row, shown_row, "voucher_id", "NOT_FOUND", "never booked for this recipient")
            continue
        if row.kind == UNLINK:
            if row.voucher_id in links:
                decided.unlinked.append(row.voucher_id)
                holders.pop(links.pop(row.voucher_id), None)
            else:
                decided.unchanged += 1
            continue
        if found.vouchers[row.voucher_id]:
            rows.refuse(row.kind, row.row, shown_row, "voucher_id", "CANCELLED", "the voucher is cancelled")
        elif row.doc_key not in found.documents:
            rows.refuse(row.kind, row.row, shown_row, "doc_id", "NOT_FOUND", "no such document in this recipient's IMS")
        elif holders.get(row.doc_key, row.voucher_id) != row.voucher_id:
            message = f"linked to voucher {holders[row.doc_key]}; unlink it first (in the same request if need be)"
            rows.refuse(row.kind, row.row, shown_row, "doc_id", "ALREADY_LINKED", message)
        elif links.get(row.voucher_id) == row.doc_key:
            decided.unchanged += 1
        else:
            holders.pop(links.get(row.voucher_id, ""), None)
            links[row.voucher_id] = row.doc_key
            holders[row.doc_key] = row.voucher_id
            decided.linked.append((row.voucher_id, row.doc_key))
    return decided

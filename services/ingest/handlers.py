"""Filing a return: validate, classify, version, split by recipient, publish, answer like GSTN's REQSTS.

Guarantees: the events of every accepted document of one call are published in one Kafka transaction
(all or none); the answer is given only after the broker acknowledged; a retry with the same
Idempotency-Key returns the first answer without publishing again; the raw return is archived.
"""

from __future__ import annotations

import gzip
import hashlib
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from services.bootstrap import Container
from services.common import failpoints, requests
from services.common.envelope import Envelope
from services.common.periods import Period
from services.common.producer import Outgoing
from services.common.settings import EVENTS_TOPIC
from services.ingest import numbers
from services.ingest.domain.boe import validate_boe
from services.ingest.domain.gstr1 import Entry, Locator, ReturnRejected, read_return
from services.ingest.domain.problems import problem
from services.ingest.records import document_record

FORMS = {"gstr1": "R1", "iff": "IFF", "gstr1a": "R1A", "gstr5": "R5", "gstr6": "R6"}
EVENT = "DocumentsFiled"
REFERENCE_NAMESPACE = uuid.UUID("1d0b7c3e-8f7a-4a55-9d6e-2b1f4f6c9e21")


class FilingRefused(ValueError):
    """The whole request is refused (4xx); nothing was published."""


@dataclass(frozen=True, slots=True)
class Filing:
    form: str  # gstr1 ... or boe
    filer: str
    return_period: str
    status: str  # saved / filed
    filed_on: date | None
    actor: str
    reference_id: str
    quarterly_filer: bool = False


def check_status(status: str, filed_on: date | None) -> None:
    if status not in ("saved", "filed"):
        raise FilingRefused(f"status: must be 'saved' or 'filed', got {status!r}")
    if status == "filed" and filed_on is None:
        raise FilingRefused("filed_on: required (YYYY-MM-DD) when status is 'filed'")
    if status == "saved" and filed_on is not None:
        raise FilingRefused("filed_on: only allowed when status is 'filed'")


def file_return(
    container: Container,
    payload: Any,
    raw: bytes,
    form: str,
    status: str,
    filed_on: date | None,
    actor: str,
    idempotency_key: str | None = None,
    quarterly_filer: bool = False,
) -> dict[str, Any]:
    """`quarterly_filer`: the GSTR-1 of a QRMP filer, whose GSTR-2B cut-off is the 13th/14th."""
    if form not in FORMS:
        raise FilingRefused(f"form: unknown return form {form!r}; expected one of {sorted(FORMS)}")
    if quarterly_filer and form != "gstr1":
        raise FilingRefused("frequency: only a GSTR-1 can be a quarterly filer's; the other forms fix it")
    check_status(status, filed_on)
    with requests.idempotent(container.engine, idempotency_key) as earlier:
        if earlier is not None:
            return earlier
        return _file_return(container, payload, raw, form, status, filed_on, actor, idempotency_key, quarterly_filer)


def _file_return(
    container: Container,
    payload: Any,
    raw: bytes,
    form: str,
    status: str,
    filed_on: date | None,
    actor: str,
    idempotency_key: str | None,
    quarterly_filer: bool,
) -> dict[str, Any]:
    try:
        contents = read_return(payload, FORMS[form])
    except ReturnRejected as exc:
        raise FilingRefused(str(exc)) from None
    if filed_on is not None and filed_on <= contents.period.last_day:
        raise FilingRefused(
            f"fp: the return for {contents.period.mmyyyy} cannot be filed on {filed_on.isoformat()}, "
            "before its period ends"
        )
    filing = Filing(
        form,
        contents.filer.value,
        contents.period.mmyyyy,
        status,
        filed_on,
        actor,
        new_reference(idempotency_key),
        quarterly_filer,
    )
    return publish_filing(container, filing, contents.entries, raw, idempotency_key)


def new_reference(idempotency_key: str | None = None) -> str:
    """A retry with the same Idempotency-Key gets the same reference id, so its events are recognised."""
    if idempotency_key:
        return uuid.uuid5(REFERENCE_NAMESPACE, idempotency_key).hex
    return uuid.uuid4().hex


def publish_filing(
    container: Container, filing: Filing, entries: Iterable[Entry], raw: bytes, idempotency_key: str | None
) -> dict[str, Any]:
    return _commit(container, [(filing, list(entries))], filing, raw, idempotency_key, "filing", filing.filer)


def _commit(
    container: Container,
    groups: list[tuple[Filing, list[Entry]]],
    archived_as: Filing,
    raw: bytes,
    idempotency_key: str | None,
    kind: str,
    subject: str,
) -> dict[str, Any]:
    """One database transaction around the broker's acknowledgement: the raw return, the number claims
    and the answer are committed only if every event was acknowledged, and none of them otherwise."""
    report: dict[str, list[dict[str, str]]] = defaultdict(list)
    accepted = 0
    with container.engine.begin() as conn:
        flat = [entry for _, entries in groups for entry in entries]
        clashes = numbers.claim(conn, [(i, e.document) for i, e in enumerate(flat) if e.document is not None])
        messages: list[Outgoing] = []
        index = 0
        for filing, entries in groups:
            by_recipient: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for entry in entries:
                if index in clashes:
                    entry = _duplicate(entry)
                index += 1
                if entry.document is None:
                    report[entry.locator.table].append(error_row(entry))
                    continue
                accepted += 1
                by_recipient[entry.document.recipient].append(
                    document_record(entry.document, filing.filed_on, filing.quarterly_filer)
                )
            messages.extend(_messages(container, filing, by_recipient))
        _archive(conn, archived_as, raw)
        response = requests.reqsts(archived_as.reference_id, accepted, report)
        requests.record(conn, archived_as.reference_id, kind, subject, response, idempotency_key)
        container.publisher.publish(messages)
        failpoints.hit("after_publish")
    return response


def _duplicate(entry: Entry) -> Entry:
    doc = entry.document
    assert doc is not None
    message = (
        f"{entry.locator.number_field}: {doc.number} is already used by supplier {doc.supplier} for a "
        f"document to another recipient in this financial year (numbers are case-insensitive)"
    )
    return Entry(entry.locator, None, (problem(entry.locator.number_field, "DUPLICATE_NUMBER", message),))


def _messages(container: Container, filing: Filing, by_recipient: dict[str, list[dict[str, Any]]]):  # type: ignore[no-untyped-def]
    size = container.settings.chunk_documents
    topic = container.settings.topic(EVENTS_TOPIC)
    for recipient, records in by_recipient.items():
        chunks = [records[i : i + size] for i in range(0, len(records), size)]
        for index, chunk in enumerate(chunks):
            envelope = Envelope(EVENT, 1, correlation_id=filing.reference_id, actor=filing.actor)
            yield Outgoing(
                topic,
                recipient,
                envelope,
                {
                    "reference_id": filing.reference_id,
                    "form": filing.form,
                    "filer": filing.filer,
                    "return_period": filing.return_period,
                    "status": filing.status,
                    "filed_on": filing.filed_on.isoformat() if filing.filed_on else None,
                    "recipient": recipient,
                    "chunk": index,
                    "chunks": len(chunks),
                    "documents": chunk,
                },
            )


def error_row(entry: Entry) -> dict[str, str]:
    first = entry.problems[0]
    return {
        entry.locator.party_field: entry.locator.party,
        entry.locator.number_field: entry.locator.number,
        "error_cd": first.code,
        "error_msg": "; ".join(p.message for p in entry.problems),
    }


def _archive(conn: Connection, filing: Filing, raw: bytes) -> None:
    conn.execute(
        text(
            "INSERT INTO raw_returns (reference_id, form, filer, return_period, status, filed_on, actor, "
            "sha256, size_bytes, body_gzip) VALUES (:r, :f, :g, :p, :s, :d, :a, :h, :n, :b)"
        ),
        {
            "r": filing.reference_id,
            "f": filing.form,
            "g": filing.filer,
            "p": filing.return_period,
            "s": filing.status,
            "d": filing.filed_on,
            "a": filing.actor,
            "h": hashlib.sha256(raw).hexdigest(),
            "n": len(raw),
            "b": gzip.compress(raw, compresslevel=1),
        },
    )


def file_boes(
    container: Container, payload: Any, raw: bytes, actor: str, idempotency_key: str | None = None
) -> dict[str, Any]:
    """Bills of Entry from customs: each is filed as of its reference date (our rule for its period)."""
    rows = payload.get("boe") if isinstance(payload, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise FilingRefused("boe: expected an object with a list of Bills of Entry under 'boe'")
    with requests.idempotent(container.engine, idempotency_key) as earlier:
        if earlier is not None:
            return earlier
        reference = new_reference(idempotency_key)
        by_date: dict[date | None, list[Entry]] = defaultdict(list)
        for row in rows:
            result = validate_boe(row)
            locator = Locator("impg", "rtin", str(row.get("rtin") or ""), "boe_num", str(row.get("boe_num") or ""))
            if isinstance(result, list):
                by_date[None].append(Entry(locator, None, tuple(result)))
            else:
                by_date[_reference_date(row)].append(Entry(locator, result))
        groups = [
            (
                Filing(
                    "boe",
                    "customs",
                    Period.of(refdt).mmyyyy if refdt else "",
                    "filed",
                    refdt,
                    actor,
                    reference,
                ),
                entries,
            )
            for refdt, entries in sorted(by_date.items(), key=lambda item: (item[0] is not None, item[0]))
        ]
        archived_as = Filing("boe", "customs", "", "filed", None, actor, reference)
        return _commit(container, groups, archived_as, raw, idempotency_key, "boe", "customs")


def _reference_date(row: dict[str, Any]) -> date:
    day, month, year = (int(part) for part in str(row["refdt"]).split("-"))
    return date(year, month, day)

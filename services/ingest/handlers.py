"""Filing a return: validate, classify, version, split by recipient, publish, answer like GSTN's REQSTS.

Guarantees: the events of every accepted document of one call are appended to the durable event log in the
database transaction that records the answer, the raw return and the number claims (all or none), so an
answered filing survives any broker loss (the relay publishes it, services/archive/relay.py); a retry with
the same Idempotency-Key returns the first answer without appending again.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from sqlalchemy import Connection, text

from services.archive import eventlog
from services.common import failpoints, requests
from services.common.batching import Behind, batched
from services.common.envelope import Envelope
from services.common.events import DocumentsFiledV2
from services.common.gst.periods import Period
from services.common.gst.references import new_reference
from services.common.ports import Ports
from services.common.settings import EVENTS_TOPIC
from services.ingest import fastrows
from services.ingest.body import RawReturn
from services.ingest.checking import FIELD, CheckContext, Checked, checked
from services.ingest.domain.boe import validate_boe
from services.ingest.domain.gstr1 import Entry, Locator, ReturnReader, ReturnRejected
from services.ingest.returnstream import read_header, read_rows
from services.ingest.settle import Settle
from services.ingest.spill import Spill
from services.ingest.workers import RowChecker

FORMS = {"gstr1": "R1", "iff": "IFF", "gstr1a": "R1A", "gstr5": "R5", "gstr6": "R6"}
CLAIM_BATCH = 5000  # rows whose numbers are claimed in one statement


class IngestPorts(Ports, Protocol):
    """Filing a return also needs the worker processes that check a large one's rows in parallel."""

    @property
    def row_checker(self) -> RowChecker: ...


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
    container: IngestPorts,
    body: RawReturn,
    form: str,
    status: str,
    filed_on: date | None,
    actor: str,
    idempotency_key: str | None = None,
    quarterly_filer: bool = False,
    on_read: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """`body` is read as a stream (bounded memory at any size); `quarterly_filer`: the GSTR-1 of a QRMP
    filer, whose GSTR-2B cut-off is the 13th/14th; `on_read` hears of every block read (progress)."""
    if form not in FORMS:
        raise FilingRefused(f"form: unknown return form {form!r}; expected one of {sorted(FORMS)}")
    if quarterly_filer and form != "gstr1":
        raise FilingRefused("frequency: only a GSTR-1 can be a quarterly filer's; the other forms fix it")
    check_status(status, filed_on)
    with requests.idempotent(container.engine, idempotency_key) as earlier:
        if earlier is not None:
            return earlier
        try:
            filer, period = read_header(body.open)
            ReturnReader(filer, period, FORMS[form])  # refuses a form / period combination up front
        except ReturnRejected as exc:
            raise FilingRefused(str(exc)) from None
        if filed_on is not None and filed_on <= period.last_day:
            raise FilingRefused(
                f"fp: the return for {period.mmyyyy} cannot be filed on {filed_on.isoformat()}, before its period ends"
            )
        filing = Filing(
            form,
            filer.value,
            period.mmyyyy,
            status,
            filed_on,
            actor,
            new_reference(idempotency_key),
            quarterly_filer,
        )
        context = CheckContext(filer.value, period.mmyyyy, FORMS[form], filed_on, quarterly_filer)
        parallel = body.size >= container.settings.parallel_from_bytes
        fast = fastrows.FastRows(context) if container.settings.native_rows and fastrows.available() else None
        read = read_rows(body.open, on_read, as_text=parallel, fast=fast)
        rows = ((table.name, party, row) for table, party, row in read)
        checked_rows = ((0, c) for c in container.row_checker.check(context, rows, parallel))
        return _commit(container, [filing], checked_rows, filing, body, idempotency_key, "filing", filing.filer)


def _commit(
    container: Ports,
    filings: list[Filing],
    rows: Iterable[tuple[int, Checked]],
    archived_as: Filing,
    body: RawReturn,
    idempotency_key: str | None,
    kind: str,
    subject: str,
) -> dict[str, Any]:
    """One database transaction: the raw return, the number claims, the answer and the events are committed
    together or not at all. Every row is read and checked (its document spilled to disk) before the first
    event is written, so a return found malformed part-way through (MalformedJson, ReturnRejected) logs
    nothing."""
    spill = Spill(container.codec.array_block, container.settings.chunk_documents)
    settle = Settle(spill, archived_as.status == "filed")
    try:
        with container.engine.begin() as conn:
            try:
                with Behind(_run) as database:  # the database's work overlaps the walk, in order
                    database.put(functools.partial(_archive, conn, archived_as, body))
                    for batch in batched(rows, CLAIM_BATCH):
                        database.put(functools.partial(settle.apply, conn, settle.prepare(batch)))
            except ReturnRejected as exc:
                raise FilingRefused(str(exc)) from None
            response = requests.reqsts(archived_as.reference_id, settle.accepted, settle.report)
            if settle.warnings:  # ours, beside the report: documents accepted as reported (docs/rules.md §9.6)
                response["warnings"] = dict(settle.warnings)
            requests.record(conn, archived_as.reference_id, kind, subject, response, idempotency_key)
            eventlog.append(conn, _entries(container, filings, spill))
            failpoints.hit("before_commit")
        failpoints.hit("after_commit")
    finally:
        spill.close()
    return response


def _run(job: Callable[[], None]) -> None:
    job()


def _entries(container: Ports, filings: list[Filing], spill: Spill) -> Iterator[eventlog.Entry]:
    topic = container.settings.topic(EVENTS_TOPIC)
    for group, filing in enumerate(filings):
        for recipient in spill.recipients(group):
            chunks = spill.chunks(group, recipient)
            for index, blocks in enumerate(chunks):
                envelope = Envelope.of(DocumentsFiledV2, correlation_id=filing.reference_id, actor=filing.actor)
                head = DocumentsFiledV2(
                    reference_id=filing.reference_id,
                    form=filing.form,
                    filer=filing.filer,
                    return_period=filing.return_period,
                    status=filing.status,
                    filed_on=filing.filed_on.isoformat() if filing.filed_on else None,
                    recipient=recipient,
                    chunk=index,
                    chunks=len(chunks),
                    documents=[],  # written from the spilled blocks
                )
                value = container.codec.encode_with_blocks(head, FIELD, spill.read(blocks))
                yield eventlog.Entry(topic, recipient, envelope, value)


def _archive(conn: Connection, filing: Filing, body: RawReturn) -> None:
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
            "h": body.sha256,
            "n": body.size,
            "b": body.gzip,
        },
    )


def file_boes(
    container: Ports, payload: Any, raw: bytes, actor: str, idempotency_key: str | None = None
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
        filings = [filing for filing, _ in groups]
        codec = container.codec
        entries = (
            (group, checked(entry, filing.filed_on, False, codec, within_return=False))
            for group, (filing, rows) in enumerate(groups)
            for entry in rows
        )
        with RawReturn.of_bytes(raw) as body:
            return _commit(container, filings, entries, archived_as, body, idempotency_key, "boe", "customs")


def _reference_date(row: dict[str, Any]) -> date:
    day, month, year = (int(part) for part in str(row["refdt"]).split("-"))
    return date(year, month, day)

"""The raw limit of this machine, measured in the same run on the same broker and database.

Pipeline (stages run one after the other, each timed on its own; end to end = N / sum of stages):
  encode   Avro single-object encoding with the real `DocumentsFiled` schema (`load_codec()`), 1,000
           documents per message like the product (and, for reference, one ~150-byte record per document)
  produce  kafka-python, acks=all, idempotent, linger 5 ms, envelope headers, until flush returns
  consume  kafka-python, partitions assigned (no group join), from offset 0 to the end offsets
  decode   Avro decode of every message by fastavro (the product's `Codec.decode` without its native reader,
           services/common/avrofast.py: the raw limit is what the libraries give, as the issue defines it)
  copy     rows into a PostgreSQL table with the read model's primary key, via the product's
           `copy_rows` (COPY text format) formatting in Python (`native=False`: not the native formatter),
           committed every 50,000 rows
Plus three single-operation limits the latency figures are compared with: one 300-document message
through encode -> produce -> consume -> decode -> COPY -> commit; `SELECT 1` round trips through the
product's engine; and PostgreSQL copying N rows server-side (INSERT ... SELECT) for GSTR-2B.
"""

from __future__ import annotations

import io
import time
from typing import Any

from fastavro import parse_schema, schemaless_reader, schemaless_writer
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from sqlalchemy import Engine, text

from bench.common import FILED_ON, FP, StageTimer, median, percentile
from bench.data import DocumentFactory
from services.common.codec import MAGIC, Codec
from services.common.copy import copy_rows
from services.common.db import make_engine
from services.common.envelope import Envelope
from services.common.events import DocumentsFiledV2
from services.common.topics import ensure_topics

CHUNK = 1000
COPY_BATCH_ROWS = 50_000
PARTITIONS = 4
DOC_COLUMNS = (
    "key",
    "original_key",
    "version_hash",
    "section",
    "supplier",
    "number",
    "doc_date",
    "source_form",
    "inv_typ",
    "pos",
    "reverse_charge",
    "value",
    "taxable",
    "igst",
    "cgst",
    "sgst",
    "cess",
    "note_type",
    "orig_number",
    "orig_date",
    "ecom_operator",
    "diff_percent",
    "port_code",
    "route",
    "part",
    "reason",
    "gstr2b_period",
    "deleted",
)
_TYPES = {"reverse_charge": "boolean", "deleted": "boolean", "doc_date": "date", "orig_date": "date"}
_BIGINT = {"value", "taxable", "igst", "cgst", "sgst", "cess"}

# The reference record: one document in ~150 bytes of Avro (with the 10-byte single-object header).
PER_DOCUMENT_SCHEMA = parse_schema(
    {
        "type": "record",
        "name": "BenchDocument",
        "namespace": "bench",
        "fields": [
            {"name": "recipient", "type": "string"},
            {"name": "key", "type": "string"},
            {"name": "version_hash", "type": "string"},
            {"name": "doc_date", "type": "string"},
            {"name": "value", "type": "long"},
            {"name": "taxable", "type": "long"},
            {"name": "igst", "type": "long"},
            {"name": "cgst", "type": "long"},
            {"name": "sgst", "type": "long"},
        ],
    }
)
PER_DOCUMENT_FIELDS = (
    "recipient",
    "key",
    "version_hash",
    "doc_date",
    "value",
    "taxable",
    "igst",
    "cgst",
    "sgst",
)
PER_DOCUMENT_FINGERPRINT = b"BENCH001"


def _column_type(name: str) -> str:
    return _TYPES.get(name) or ("bigint" if name in _BIGINT else "text")


def _create_tables(engine: Engine, schema: str) -> None:
    columns = ", ".join(f"{c} {_column_type(c)}" for c in DOC_COLUMNS)
    per_doc = ", ".join(
        f"{c} {'bigint' if c in _BIGINT else ('date' if c == 'doc_date' else 'text')}" for c in PER_DOCUMENT_FIELDS
    )
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
        for table in ("documents", "documents_copy", "per_document", "latency"):
            conn.execute(text(f"DROP TABLE IF EXISTS {schema}.{table}"))
        for table in ("documents", "documents_copy", "latency"):
            conn.execute(
                text(
                    f"CREATE TABLE {schema}.{table} (recipient text, reference_id text, {columns}, "
                    "PRIMARY KEY (recipient, key))"
                )
            )
        conn.execute(text(f"CREATE TABLE {schema}.per_document ({per_doc}, PRIMARY KEY (recipient, key))"))


def _producer(bootstrap: str) -> KafkaProducer:
    return KafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        max_request_size=8 * 1024 * 1024,
        request_timeout_ms=30000,
    )


def _consumer(bootstrap: str) -> KafkaConsumer:
    return KafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        isolation_level="read_committed",
        max_partition_fetch_bytes=16 * 1024 * 1024,
        fetch_max_bytes=64 * 1024 * 1024,
    )


def _consume_all(bootstrap: str, topic: str) -> tuple[list[Any], float]:
    consumer = _consumer(bootstrap)
    try:
        parts = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(parts)
        ends = consumer.end_offsets(parts)
        consumer.seek_to_beginning(*parts)
        messages: list[Any] = []
        started = time.perf_counter()
        while any(consumer.position(tp) < ends[tp] for tp in parts):
            for batch in consumer.poll(timeout_ms=500, max_records=100_000).values():
                messages.extend(batch)
        return messages, time.perf_counter() - started
    finally:
        consumer.close()


def _doc_row(recipient: str, reference: str, doc: dict[str, Any]) -> list[Any]:
    return [recipient, reference, *(doc[c] for c in DOC_COLUMNS)]


class RawLimit:
    def __init__(self, database_url: str, bootstrap: str, namespace: str, schema: str):
        self.bootstrap = bootstrap
        self.schema = schema
        self.topic = f"{namespace}raw.documents"
        self.per_doc_topic = f"{namespace}raw.per-document"
        self.latency_topic = f"{namespace}raw.latency"
        self.engine = make_engine(database_url, schema)
        self.codec = Codec.from_directories(native=False)
        self.factory = DocumentFactory()

    def close(self) -> None:
        self.engine.dispose()

    def prepare(self) -> None:
        _create_tables(self.engine, self.schema)
        ensure_topics(self.bootstrap, [self.topic, self.per_doc_topic, self.latency_topic], PARTITIONS)

    # --- chunked, like the product -------------------------------------------------------------------

    def _chunk_record(self, index: int, documents: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
        recipient = self.factory.recipients[index % len(self.factory.recipients)]
        return recipient, {
            "reference_id": f"raw{index:08d}",
            "form": "gstr1",
            "filer": self.factory.supplier,
            "return_period": FP,
            "status": "filed",
            "filed_on": FILED_ON,
            "recipient": recipient,
            "chunk": 0,
            "chunks": 1,
            "documents": documents,
        }

    def chunked(self, documents: int) -> dict[str, Any]:
        encode, produce, decode, copy = StageTimer(), StageTimer(), StageTimer(), StageTimer()
        payloads: list[tuple[bytes, bytes, list[tuple[str, bytes]]]] = []
        for index, start in enumerate(range(0, documents, CHUNK)):
            docs = self.factory.documents(start, min(CHUNK, documents - start))
            recipient, record = self._chunk_record(index, docs)
            headers = Envelope.of(DocumentsFiledV2, actor="bench").to_headers()
            with encode:
                payloads.append((recipient.encode(), self.codec.encode(DocumentsFiledV2.from_record(record)), headers))
        size = sum(len(p[1]) for p in payloads)
        producer = _producer(self.bootstrap)
        try:
            with produce:
                for key, value, headers in payloads:
                    producer.send(self.topic, key=key, value=value, headers=headers)
                producer.flush(300)
        finally:
            producer.close(5)
        payloads.clear()
        messages, consume_s = _consume_all(self.bootstrap, self.topic)
        rows: list[list[Any]] = []
        copied = 0
        for position, message in enumerate(messages):
            with decode:
                event = self.codec.decode(message.value, expected_type=DocumentsFiledV2.EVENT_TYPE)
            assert isinstance(event, DocumentsFiledV2)
            recipient, reference = event.recipient, event.reference_id
            with copy:
                rows.extend(_doc_row(recipient, reference, doc) for doc in event.documents)
                if len(rows) >= COPY_BATCH_ROWS or position == len(messages) - 1:
                    with self.engine.begin() as conn:
                        copied += copy_rows(
                            conn, "documents", ("recipient", "reference_id", *DOC_COLUMNS), rows, native=False
                        )
                    rows = []
        assert copied == documents, (copied, documents)
        stages = _stages(encode, produce, consume_s, decode, copy)
        return self._summary(documents, len(messages), size, stages)

    # --- one ~150-byte message per document (reference) -----------------------------------------------

    def per_document(self, documents: int) -> dict[str, Any]:
        encode, produce, decode, copy = StageTimer(), StageTimer(), StageTimer(), StageTimer()
        payloads: list[tuple[bytes, bytes]] = []
        for start in range(0, documents, CHUNK):
            docs = self.factory.documents(start, min(CHUNK, documents - start))
            recipient = self.factory.recipients[(start // CHUNK) % len(self.factory.recipients)]
            records = [doc | {"recipient": recipient} for doc in docs]
            key = recipient.encode()
            with encode:
                for record in records:
                    out = io.BytesIO()
                    out.write(MAGIC)
                    out.write(PER_DOCUMENT_FINGERPRINT)
                    schemaless_writer(out, PER_DOCUMENT_SCHEMA, record)
                    payloads.append((key, out.getvalue()))
        size = sum(len(p[1]) for p in payloads)
        producer = _producer(self.bootstrap)
        try:
            with produce:
                for key, value in payloads:
                    producer.send(self.per_doc_topic, key=key, value=value)
                producer.flush(300)
        finally:
            producer.close(5)
        payloads.clear()
        messages, consume_s = _consume_all(self.bootstrap, self.per_doc_topic)
        rows: list[list[Any]] = []
        copied = 0
        for position, message in enumerate(messages):
            with decode:
                one: Any = schemaless_reader(io.BytesIO(message.value[10:]), PER_DOCUMENT_SCHEMA, None)
            with copy:
                rows.append([one[f] for f in PER_DOCUMENT_FIELDS])
                if len(rows) >= COPY_BATCH_ROWS or position == len(messages) - 1:
                    with self.engine.begin() as conn:
                        copied += copy_rows(conn, "per_document", PER_DOCUMENT_FIELDS, rows, native=False)
                    rows = []
        assert copied == documents, (copied, documents)
        stages = _stages(encode, produce, consume_s, decode, copy)
        return self._summary(documents, len(messages), size, stages)

    @staticmethod
    def _summary(documents: int, messages: int, size: int, stages: dict[str, float]) -> dict[str, Any]:
        total = sum(stages.values())
        return {
            "documents": documents,
            "messages": messages,
            "bytes": size,
            "bytes_per_message": size / max(messages, 1),
            "stage_seconds": {k: round(v, 4) for k, v in stages.items()},
            "stage_docs_per_s": {k: documents / v if v else float("inf") for k, v in stages.items()},
            "end_to_end_seconds": round(total, 4),
            "end_to_end_docs_per_s": documents / total,
        }

    # --- single operations --------------------------------------------------------------------------

    def latency(self, rounds: int, documents: int = 300) -> dict[str, Any]:
        """One `documents`-document message from encode to committed COPY, `rounds` times in a row."""
        producer = _producer(self.bootstrap)
        consumer = _consumer(self.bootstrap)
        parts = [TopicPartition(self.latency_topic, p) for p in range(PARTITIONS)]
        consumer.assign(parts)
        consumer.seek_to_end(*parts)
        for tp in parts:
            consumer.position(tp)
        samples = []
        try:
            for index in range(rounds + 2):  # the first two warm the clients up
                docs = self.factory.documents(10_000_000 + index * documents, documents)
                recipient, record = self._chunk_record(index, docs)
                record["reference_id"] = f"lat{index}"
                started = time.perf_counter()
                value = self.codec.encode(DocumentsFiledV2.from_record(record))
                producer.send(
                    self.latency_topic,
                    key=recipient.encode(),
                    value=value,
                    headers=Envelope.of(DocumentsFiledV2).to_headers(),
                )
                producer.flush(30)
                got = None
                while got is None:
                    for batch in consumer.poll(timeout_ms=100).values():
                        got = batch[-1]
                assert got is not None
                decoded = self.codec.decode(got.value, expected_type=DocumentsFiledV2.EVENT_TYPE)
                assert isinstance(decoded, DocumentsFiledV2)
                rows = [_doc_row(decoded.recipient, decoded.reference_id, d) for d in decoded.documents]
                with self.engine.begin() as conn:
                    copy_rows(conn, "latency", ("recipient", "reference_id", *DOC_COLUMNS), rows, native=False)
                if index >= 2:
                    samples.append((time.perf_counter() - started) * 1000)
        finally:
            producer.close(5)
            consumer.close()
        return {
            "documents": documents,
            "rounds": rounds,
            "p50_ms": percentile(samples, 50),
            "p99_ms": percentile(samples, 99),
            "max_ms": max(samples),
            "samples_ms": samples,
        }

    def select_one(self, calls: int = 50) -> dict[str, Any]:
        samples = []
        for index in range(calls + 3):
            started = time.perf_counter()
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1")).all()
            if index >= 3:
                samples.append((time.perf_counter() - started) * 1000)
        return {
            "calls": calls,
            "p50_ms": percentile(samples, 50),
            "p99_ms": percentile(samples, 99),
            "median_ms": median(samples),
        }

    def insert_select(self, runs: int = 1) -> dict[str, Any]:
        """PostgreSQL alone: INSERT ... SELECT of every raw row into an identical table (then emptied)."""
        seconds = []
        rows = 0
        for _ in range(runs):
            with self.engine.begin() as conn:
                conn.execute(text("TRUNCATE documents_copy"))
            started = time.perf_counter()
            with self.engine.begin() as conn:
                rows = conn.execute(text("INSERT INTO documents_copy SELECT * FROM documents")).rowcount
            seconds.append(time.perf_counter() - started)
        with self.engine.begin() as conn:
            conn.execute(text("TRUNCATE documents_copy"))
        best = median(seconds)
        return {"rows": rows, "seconds": best, "rows_per_s": rows / best if best else float("inf")}


def _stages(
    encode: StageTimer, produce: StageTimer, consume_s: float, decode: StageTimer, copy: StageTimer
) -> dict[str, float]:
    return {
        "encode": encode.seconds,
        "produce": produce.seconds,
        "consume": consume_s,
        "decode": decode.seconds,
        "copy": copy.seconds,
    }

"""The log written by the code before the rooms refactor (tests/golden/README.md), replayed by today's code,
reads back byte for byte as it did then: `ims verify` (the durable log's digests included), every GSTR-2B
version as JSON, CSV and XLSX cells, GETCNT, GETINV and SUPVIEW of every recipient and supplier."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from services.cli.main import parser
from services.common.db import make_engine
from services.common.migrations import upgrade
from services.common.settings import EVENTS_TOPIC, TOPICS
from services.common.topics import ensure_topics
from services.recon.projection import ReconProjection
from services.registry.projection import RegistryProjection
from tests.golden import logdump, outputs
from tests.golden.make_golden import settings_for

pytestmark = pytest.mark.e2e
GOLDEN = Path(__file__).parents[1] / "golden" / "data"
# Projections born after the goldens' commit: the old log holds none of their events, so they replay nothing and
# their tables are empty. `ims verify` prints a line for each; every other line stays the golden's.
BORN_LATER = {"registry": RegistryProjection.tables, "recon": ReconProjection.tables}
EMPTY = "d41d8cd98f00b204e9800998ecf8427e"  # a table's digest without rows


def _without_born_later(verify: bytes) -> bytes:
    lines = verify.decode().splitlines(keepends=True)
    tables = {t for names in BORN_LATER.values() for t in names}
    born = [line.split() for line in lines if line.split()[0] in tables]
    assert sorted(born) == sorted([t, "0", EMPTY] for t in tables), born
    return "".join(line for line in lines if line.split()[0] not in tables).encode()


def _first_difference(name: str, expected: bytes, actual: bytes) -> str:
    at = next((i for i, (a, b) in enumerate(zip(expected, actual, strict=False)) if a != b), None)
    if at is None:
        return f"{name}: {len(expected)} bytes expected, {len(actual)} read (one is a prefix of the other)"
    line = expected.count(b"\n", 0, at) + 1
    window = slice(max(0, at - 80), at + 80)
    return f"{name}: differs at byte {at} (line {line})\n  golden: {expected[window]!r}\n  now:    {actual[window]!r}"


def test_the_old_log_replayed_by_this_code_reads_back_byte_identical(
    pg_url: str, kafka_bootstrap: str, tmp_path, capsys
) -> None:  # type: ignore[no-untyped-def]
    manifest = json.loads((GOLDEN / "manifest.json").read_text())
    schema = f"golden_{uuid.uuid4().hex[:10]}"
    settings = settings_for(pg_url, kafka_bootstrap, tmp_path, schema, manifest["topic_namespace"])
    engine = make_engine(pg_url, schema)
    try:
        upgrade(engine, schema)
        ensure_topics(kafka_bootstrap, [settings.topic(t) for t in TOPICS], settings.partitions)
        logdump.load(engine, GOLDEN / "log")
        assert logdump.counts(engine) == manifest["log_rows"]

        replay = parser().parse_args(["replay", "--all", "--from", "archive"])
        assert replay.handler(settings, replay) == 0
        answer = json.loads(capsys.readouterr().out.splitlines()[-1])
        with engine.connect() as conn:
            placed = conn.execute(
                text("SELECT count(*) FROM event_placements WHERE topic = :t"), {"t": settings.topic(EVENTS_TOPIC)}
            ).scalar_one()
        # born later, they apply none of the old log's events: the registry reads a topic of its own, and the
        # purchase register names its event types, so the runner passes over the others unread
        born = dict.fromkeys(BORN_LATER, 0)
        assert answer["replayed"] == {"ims": placed, **born}, "every event replayed"

        produced = outputs.all_outputs(settings, engine)
        produced["verify.txt"] = _without_born_later(produced["verify.txt"])
    finally:
        engine.dispose()
        with make_engine(pg_url).begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    expected = {
        str(path.relative_to(GOLDEN / "outputs")): path.read_bytes()
        for path in sorted((GOLDEN / "outputs").rglob("*"))
        if path.is_file()
    }
    if os.environ.get("GOLDEN_REWRITE") == "1":  # a documented behaviour change: tests/golden/README.md
        expected = _rewrite(produced)
    assert sorted(produced) == sorted(expected), "the same recipients, periods and versions are read"
    differences = [_first_difference(n, expected[n], produced[n]) for n in expected if produced[n] != expected[n]]
    if differences:
        pytest.fail(f"{len(differences)} of {len(expected)} outputs differ:\n" + "\n".join(differences), pytrace=False)


def _rewrite(produced: dict[str, bytes]) -> dict[str, bytes]:
    """The outputs read from the same old log by this code become the goldens (the log is never rewritten)."""
    folder = GOLDEN / "outputs"
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file():
            path.unlink()
    for name, content in produced.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    return dict(produced)

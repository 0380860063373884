"""Make the goldens: a seeded history through the real processes, then the log and what is read from it.

    python -m tests.golden.make_golden OUTDIR                            # this checkout
    cd OLD && .venv/bin/python /path/to/tests/golden/make_golden.py OUTDIR   # another checkout's code

On embedded servers (or IMS_TEST_DATABASE_URL / IMS_TEST_KAFKA_BOOTSTRAP_SERVERS), `ims relay`, `ims notify`
and `ims consume ims` run as processes, and `ims demo --seed 7` files the demo. Through the API app then:
SAVE actions (accept, reject, pending; October credit notes accepted with itcRedReq Y, N and without it),
a RESET, two bulk actions, a quarterly profile, clock ticks over the GSTR-2B cut-offs of 092025 to 122025,
recomputes, GSTR-3B filings (one while the projector is stopped, followed by a SAVE and a recompute that
it refuses once restarted) and a Rule 37A report. Once everything is relayed and projected, OUTDIR
receives `log/` (logdump.py), `outputs/` (outputs.py) and `manifest.json`. Only module paths that exist
before and after the rooms refactor are imported, so the code of either checkout makes the same kind of
goldens.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import Engine, text

import services
from services.common.db import make_engine
from services.common.log import configure_logging
from services.common.migrations import upgrade
from services.common.settings import EVENTS_TOPIC, TOPICS, Settings
from services.common.topics import ensure_topics

if __package__:
    from tests.golden import logdump, outputs
else:  # run by path with another checkout's interpreter: the siblings, not that checkout's tests package
    import logdump  # type: ignore[no-redef]
    import outputs  # type: ignore[no-redef]

CODE_ROOT = Path(services.__file__).resolve().parents[1]
SCHEMA, NAMESPACE, PARTITIONS = "golden", "golden.", 4
PENDING = """
SELECT (SELECT count(*) FROM event_relay_queue) + (SELECT count(*) FROM notification_outbox WHERE NOT sent) + (
    SELECT count(*) FROM (
        SELECT topic, partition, max("offset") + 1 AS ends FROM event_placements
        WHERE epoch = (SELECT max(epoch) FROM broker_epochs) AND topic = :events GROUP BY topic, partition
    ) placed
    LEFT JOIN projection_checkpoints c
           ON c.projection = 'ims' AND (c.topic, c.partition) = (placed.topic, placed.partition)
    WHERE coalesce(c.next_offset, 0) < placed.ends)
"""


@contextlib.contextmanager
def servers() -> Iterator[tuple[str, str]]:
    """(database URL, bootstrap): the exported test servers, else embedded ones for the run."""
    from services.common.embedded.broker import EmbeddedBroker
    from services.common.embedded.postgres import EmbeddedPostgres

    with contextlib.ExitStack() as stack:
        url = os.environ.get("IMS_TEST_DATABASE_URL")
        if not url:
            pg = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="ims-golden-pg-")) / "pg", fsync=False)
            pg.start()
            stack.callback(shutil.rmtree, pg.data_dir.parent, True)
            stack.callback(pg.stop)
            url = pg.url
        bootstrap = os.environ.get("IMS_TEST_KAFKA_BOOTSTRAP_SERVERS")
        if not bootstrap:
            broker = EmbeddedBroker()
            broker.start()
            stack.callback(broker.stop)
            bootstrap = broker.bootstrap
        yield url, bootstrap


def settings_for(url: str, bootstrap: str, home: Path, schema: str = SCHEMA, namespace: str = NAMESPACE) -> Settings:
    return Settings(
        database_url=url,
        kafka_bootstrap=bootstrap,
        home=home,
        topic_namespace=namespace,
        db_schema=schema,
        partitions=PARTITIONS,
        session_timeout_ms=6000,
        max_poll_interval_ms=20000,
        heartbeat_interval_ms=1000,
        log_level="warning",
    )


def ims(settings: Settings, *argv: str, log: Path | None = None) -> subprocess.Popen[bytes]:
    """`ims ARGV` of the checkout whose code this interpreter imports."""
    env = {**os.environ, **settings.to_env(), "PYTHONPATH": str(CODE_ROOT)}
    out = open(log, "ab") if log else subprocess.PIPE  # noqa: SIM115
    command = [sys.executable, "-m", "services.cli.main", *argv]
    return subprocess.Popen(command, env=env, cwd=CODE_ROOT, stdout=out, stderr=subprocess.STDOUT)


def wait_settled(engine: Engine, settings: Settings, timeout: float = 120) -> None:
    """Every event relayed, every notification logged, and `ims` projected to the end of every partition."""
    deadline = time.monotonic() + timeout
    while True:
        with engine.connect() as conn:
            if not conn.execute(text(PENDING), {"events": settings.topic(EVENTS_TOPIC)}).scalar_one():
                return
        if time.monotonic() > deadline:
            raise TimeoutError("the log was not relayed and projected in time")
        time.sleep(0.3)


BY_DOCUMENTS = "SELECT recipient FROM ims_documents GROUP BY recipient ORDER BY count(*) DESC, recipient"
CREDIT_NOTES = ("b2bcn", "b2bcna")
REDUCTION_ANSWERS: tuple[dict[str, Any], ...] = ({"itcRedReq": "Y"}, {"itcRedReq": "N"}, {}, {"action": "R"})


class Processes:
    """`ims relay`, `ims notify` and `ims consume ims`, each a process of its own, as `ims up` runs them."""

    COMMANDS: ClassVar[dict[str, tuple[str, ...]]] = {
        "relay": ("relay",),
        "notify": ("notify",),
        "consume": ("consume", "ims"),
    }

    def __init__(self, settings: Settings):
        self.settings = settings
        self.running = {name: self.start(name) for name in self.COMMANDS}

    def start(self, name: str) -> subprocess.Popen[bytes]:
        return ims(self.settings, *self.COMMANDS[name], log=self.settings.home / f"{name}.log")

    @contextlib.contextmanager
    def stopped(self, name: str) -> Iterator[None]:
        self.stop(name)
        yield
        self.running[name] = self.start(name)

    def stop(self, name: str) -> None:
        process = self.running.pop(name)
        process.terminate()
        process.wait(30)

    def stop_all(self) -> None:
        for name in list(self.running):
            self.stop(name)


class Scenario:
    """The requests of the golden history, each answered 200 (refusals inside an answer are history too)."""

    def __init__(self, client: Any, engine: Engine, processes: Processes, journal: list[Any]):
        self.client, self.engine, self.processes, self.journal = client, engine, processes, journal
        self.settings = processes.settings

    def post(self, path: str, body: Any, settle: bool = True) -> Any:
        answer = self.client.post(path, json=body)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:500])
        self.journal.append([path, body, answer.json()])
        print(f"{time.strftime('%X')} {path} {json.dumps(answer.json())[:120]}", file=sys.stderr)
        if settle:
            wait_settled(self.engine, self.settings)
        return answer.json()

    def documents(self, recipient: str) -> dict[str, list[dict[str, Any]]]:
        answer = self.client.get(f"/v1/ims/{recipient}/documents", params={"limit": 5000})
        assert answer.status_code == 200, answer.text[:500]
        return {s: sorted(docs, key=lambda d: d["doc_id"]) for s, docs in sorted(answer.json().items())}

    def save(self, recipient: str, offset: int, per_section: int = 5, settle: bool = True) -> None:
        """Accept / reject / pending / accept in turn over the first documents of each section; October
        credit notes accepted with itcRedReq Y, with N, without it, or rejected."""
        invdata: dict[str, list[dict[str, Any]]] = {}
        for section, docs in self.documents(recipient).items():
            for index, doc in enumerate(docs[:per_section]):
                record = {"doc_id": doc["doc_id"], "stin": doc["stin"], "hash": doc["hash"]}
                record["action"] = "ARPA"[(index + offset) % 4]
                if section in CREDIT_NOTES and doc["rtnprd"] == "102025":
                    record |= {"action": "A"} | REDUCTION_ANSWERS[(index + offset) % len(REDUCTION_ANSWERS)]
                if record["action"] in "RP" and index % 2:
                    record["remarks"] = f"golden {section} {index}"
                invdata.setdefault(section, []).append(record)
        self.post(f"/v1/ims/{recipient}/actions", {"rtin": recipient, "reqtyp": "SAVE", "invdata": invdata}, settle)

    def reset(self, recipient: str) -> None:
        """RESET of the first two documents acted on."""
        acted = [(s, d) for s, docs in self.documents(recipient).items() for d in docs if d["action"] != "N"][:2]
        invdata: dict[str, list[dict[str, Any]]] = {}
        for section, doc in acted:
            invdata.setdefault(section, []).append({"doc_id": doc["doc_id"], "stin": doc["stin"], "hash": doc["hash"]})
        self.post(f"/v1/ims/{recipient}/actions/reset", {"rtin": recipient, "reqtyp": "RESET", "invdata": invdata})

    def run(self, recipients: list[str]) -> None:
        """`recipients` most documents first. The last one never files GSTR-3B (its 102025 waits); the fourth
        files 092025's while its projector is stopped, then a SAVE and a recompute the projector refuses."""
        big, second, quarterly, racing = recipients[:4]
        self.post(f"/v1/ims/{quarterly}/profile", {"frequency": "quarterly"})
        for offset, recipient in enumerate(recipients[:5]):
            self.save(recipient, offset)
        self.reset(second)
        supplier = self.documents(big)["b2b"][-1]["stin"]
        self.post(f"/v1/ims/{big}/actions/bulk", {"action": "A", "filter": {"stin": supplier}})
        self.post(f"/v1/ims/{second}/actions/bulk", {"action": "P", "filter": {"section": "b2b", "status": "N"}})
        self.post("/v1/clock", {"date": "2025-10-14"})  # GSTR-2B of 092025 (and the quarter's) generated
        self.save(big, 1, per_section=3)
        self.post(f"/v1/gstr2b/{big}/092025/recompute", {})
        self.post(f"/v1/gstr2b/{second}/092025/recompute", {})
        for recipient in recipients[:-1]:
            if recipient != racing:
                self.post(f"/v1/ims/{recipient}/gstr3b/092025", {"filed_on": "2025-10-20"})
        with self.processes.stopped("consume"):  # the API answers from a read model that has not seen the filing
            self.post(f"/v1/ims/{racing}/gstr3b/092025", {"filed_on": "2025-10-21"}, settle=False)
            self.save(racing, 3, settle=False)
            self.post(f"/v1/gstr2b/{racing}/092025/recompute", {}, settle=False)
        wait_settled(self.engine, self.settings)
        self.post("/v1/clock", {"date": "2025-11-14"})  # GSTR-2B of 102025 where 092025's GSTR-3B was filed
        self.save(second, 2, per_section=4)
        self.post(f"/v1/gstr2b/{second}/102025/recompute", {})
        self.post(f"/v1/ims/{big}/gstr3b/102025", {"filed_on": "2025-11-20"})
        self.post(f"/v1/suppliers/{supplier}/rule37a", {"periods": ["092025"], "reported_on": "2026-10-01"})
        self.post("/v1/clock", {"date": "2025-12-14"})
        self.post("/v1/clock", {"date": "2026-01-14"})  # the quarterly recipient's Oct-Dec statement


def _commit() -> str:
    found = subprocess.run(["git", "rev-parse", "HEAD"], cwd=CODE_ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "services"], cwd=CODE_ROOT, capture_output=True, text=True)
    return found.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def make(outdir: Path, url: str, bootstrap: str, home: Path) -> dict[str, Any]:
    settings = settings_for(url, bootstrap, home)
    engine = make_engine(url, SCHEMA)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    upgrade(engine, SCHEMA)
    ensure_topics(bootstrap, [settings.topic(t) for t in TOPICS], PARTITIONS)
    processes = Processes(settings)
    journal: list[Any] = []
    try:
        demo = ims(settings, "demo", "--seed", "7")
        filed, _ = demo.communicate(timeout=600)
        assert demo.returncode == 0, filed.decode()[-2000:]
        journal.append(["ims demo --seed 7", [json.loads(line) for line in filed.decode().splitlines()]])
        wait_settled(engine, settings)
        with engine.connect() as conn:
            recipients = list(conn.execute(text(BY_DOCUMENTS)).scalars())
        with outputs.api_client(settings) as client:
            Scenario(client, engine, processes, journal).run(recipients)
        wait_settled(engine, settings)
    finally:
        processes.stop_all()
    shutil.rmtree(outdir / "log", ignore_errors=True)
    shutil.rmtree(outdir / "outputs", ignore_errors=True)
    rows = logdump.dump(engine, outdir / "log")
    for name, content in outputs.all_outputs(settings, engine).items():
        (outdir / "outputs" / name).parent.mkdir(parents=True, exist_ok=True)
        (outdir / "outputs" / name).write_bytes(content)
    manifest = {
        "commit": _commit(),
        "db_schema": SCHEMA,
        "topic_namespace": NAMESPACE,
        "partitions": PARTITIONS,
        "log_rows": rows,
    }
    (outdir / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    (home / "journal.json").write_text(json.dumps(journal, indent=1, default=str))
    engine.dispose()
    return manifest


def main(argv: list[str]) -> int:
    configure_logging("console", "warning")
    outdir = Path(argv[0]).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="ims-golden-home-"))
    os.chmod(home, 0o755)
    with servers() as (url, bootstrap):
        manifest = make(outdir, url, bootstrap, home)
    print(json.dumps(manifest), f"(process logs and the journal of answers in {home})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

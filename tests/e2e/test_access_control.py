"""Access control: Bearer tokens on every /v1 endpoint, scoping by role and GSTIN, the token CLI, the
actor recorded on every action, and the loopback bind.

The matrix (tests/support/access_world.py) names every /v1 operation;
`test_the_matrix_covers_every_v1_operation_of_the_openapi_document` fails when the API grows an endpoint the
matrix does not try.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from services.common import tokens
from services.common.settings import Settings
from tests.support.access_world import (
    HTTP_METHODS,
    MATRIX,
    R1,
    R2,
    SUPPLIER,
    Endpoint,
    World,
    call,
    denied_cases,
    save_body,
    world_on,
)
from tests.support.ingest_helpers import events_of
from tests.support.live import LiveStack, dumps
from tests.support.security_helpers import (
    ALL_TABLES,
    bearer,
    changes,
    error_of,
    ims,
    ims_many,
    listening_hosts,
    snapshot,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def world(live_stack: LiveStack) -> Iterator[World]:
    with world_on(live_stack) as built:
        yield built


def test_the_matrix_covers_every_v1_operation_of_the_openapi_document(world: World) -> None:
    anonymous = world.anon.get("/openapi.json")
    as_admin = world.anon.get("/openapi.json", headers=bearer(world.stack.admin_token))
    # The document is public (it is not under /v1); with or without a token it is the same.
    assert anonymous.status_code == 200, anonymous.text
    assert as_admin.status_code == 200 and as_admin.json() == anonymous.json()
    operations = {
        (method.upper(), path)
        for path, item in anonymous.json()["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    v1 = {op for op in operations if op[1].startswith("/v1")}
    covered = {(p.values[0].method, p.values[0].template) for p in MATRIX}
    assert v1 - covered == set(), f"/v1 operations missing from the access matrix: {sorted(v1 - covered)}"
    assert covered - v1 == set(), f"matrix rows that are not in the OpenAPI document: {sorted(covered - v1)}"
    assert {path for _, path in operations if not path.startswith("/v1")} <= {"/healthz", "/metrics"}


def test_healthz_and_metrics_are_open_without_a_token(world: World) -> None:
    assert world.anon.get("/healthz").status_code == 200
    metrics = world.anon.get("/metrics")
    assert metrics.status_code == 200 and "ims_http_requests" in metrics.text


@pytest.mark.parametrize("endpoint", MATRIX)
def test_every_endpoint_refuses_missing_dead_and_out_of_scope_tokens_and_changes_nothing(
    world: World, endpoint: Endpoint
) -> None:
    cases = denied_cases(world, endpoint)  # mints the tokens first: api_tokens is in the snapshot
    before = snapshot(world.stack, ALL_TABLES)
    failures = []
    for what, headers, refused in cases:
        answer = call(world, endpoint, headers)
        if answer.status_code not in refused:
            failures.append(f"{what}: expected {sorted(refused)}, got {answer.status_code} {answer.text[:300]}")
        elif answer.status_code == 401 and answer.headers.get("www-authenticate") != "Bearer":
            failures.append(f"{what}: 401 without `WWW-Authenticate: Bearer`")
        elif answer.status_code in (401, 403):
            expected_cd = "UNAUTHORIZED" if answer.status_code == 401 else "FORBIDDEN"
            if error_of(answer).get("error_cd") != expected_cd:
                failures.append(f"{what}: {answer.status_code} with body {answer.text[:200]}")
    failures += [f"a refused request changed state: {c}" for c in changes(before, snapshot(world.stack, ALL_TABLES))]
    assert not failures, f"{endpoint.name}:\n  " + "\n  ".join(failures)


@pytest.mark.parametrize("endpoint", MATRIX)
def test_every_endpoint_admits_each_allowed_role_for_its_own_gstin_and_the_admin(
    world: World, endpoint: Endpoint
) -> None:
    scope = (endpoint.owner,) if endpoint.owner else ()
    callers = {f"{role} token for {scope}": world.tokens.live(role, *scope) for role in endpoint.roles}
    callers["admin token"] = world.stack.admin_token
    for who, token in callers.items():
        answer = call(world, endpoint, bearer(token))
        assert answer.status_code not in (401, 403) and answer.status_code < 500, (
            f"{endpoint.name} with the {who}: {answer.status_code} {answer.text[:300]}"
        )


def test_ids_of_another_gstin_do_not_reach_through_a_path_the_token_owns(world: World) -> None:
    stack, r2 = world.stack, bearer(world.tokens.live("recipient", R2))
    r1, filer_r2 = bearer(world.tokens.live("recipient", R1)), bearer(world.tokens.live("filer", R2))
    r1_doc_id = world.r1_doc["doc_id"]
    before = snapshot(stack, ALL_TABLES)

    history = world.anon.get(f"/v1/ims/{R2}/documents/{r1_doc_id}/history", headers=r2)
    assert history.status_code in (200, 404), history.text
    if history.status_code == 200:
        assert history.json()["events"] == [], "R2's history path shows R1's document events"
    assert world.anon.get(f"/v1/ims/{R2}/requests/{world.r1_ref}", headers=r2).status_code == 404
    assert world.anon.get(f"/v1/ims/{R1}/requests/{world.filing_ref}", headers=r1).status_code == 404
    listing = world.anon.get(f"/v1/ims/{R2}/documents", params={"stin": SUPPLIER}, headers=r2)
    assert listing.status_code == 200, listing.text
    assert {r["doc_id"] for records in listing.json().values() for r in records} == {world.r2_doc["doc_id"]}
    assert r1_doc_id not in listing.text and world.r1_doc["inum"] not in listing.text
    # A body naming another recipient on one's own path is refused, and nothing is published.
    smuggled = world.anon.post(f"/v1/ims/{R2}/actions", content=dumps(save_body(R1, "SAVE", world.r1_doc)), headers=r2)
    assert smuggled.status_code == 403, smuggled.text
    # A filer may file Bills of Entry only for its own importers: one foreign row refuses the whole request.
    mixed = {"boe": [{"rtin": R2, "boe_num": "7"}, {"rtin": R1, "boe_num": "8"}]}
    assert world.anon.post("/v1/imports/boe", content=dumps(mixed), headers=filer_r2).status_code == 403
    assert changes(before, snapshot(stack, ALL_TABLES)) == []

    # R1's own document named (with its real hash) on R2's path: refused as unknown, R1's copy untouched.
    record = {"doc_id": r1_doc_id, "hash": world.r1_doc["hash"], "action": "R"}
    foreign = world.anon.post(
        f"/v1/ims/{R2}/actions",
        content=dumps({"rtin": R2, "reqtyp": "SAVE", "invdata": {"b2b": [record]}}),
        headers=r2,
    )
    assert foreign.status_code == 200 and foreign.json()["proc_cnt"] == "0", foreign.text
    assert before.logged == snapshot(stack, ()).logged


def test_a_token_for_several_gstins_reaches_each_of_them_and_no_other(world: World) -> None:
    both = bearer(world.tokens.live("recipient", R1, R2))
    assert world.anon.get(f"/v1/ims/{R1}/counts", headers=both).status_code == 200
    assert world.anon.get(f"/v1/ims/{R2}/counts", headers=both).status_code == 200
    assert world.anon.get(f"/v1/ims/{SUPPLIER}/counts", headers=both).status_code == 403
    # The path GSTIN is compared exactly: a lower-cased spelling is not one of the token's GSTINs.
    assert world.anon.get(
        f"/v1/ims/{R1.lower()}/counts", headers=bearer(world.tokens.live("recipient", R1))
    ).status_code in (
        400,
        403,
        404,
    )


# Idempotency keys are a shared namespace only if the product makes them one -----------------------------------
def test_an_idempotency_key_replays_only_the_callers_own_request_not_another_recipients(world: World) -> None:
    key = "order-42"
    r1, r2 = bearer(world.tokens.live("recipient", R1)), bearer(world.tokens.live("recipient", R2))
    first = world.anon.post(
        f"/v1/ims/{R1}/actions",
        content=dumps(save_body(R1, "SAVE", world.r1_doc)),
        headers={**r1, "Idempotency-Key": key},
    )
    assert first.status_code == 200, first.text
    second = world.anon.post(
        f"/v1/ims/{R2}/actions",
        content=dumps(save_body(R2, "SAVE", world.r2_doc)),
        headers={**r2, "Idempotency-Key": key},
    )
    assert second.status_code in (200, 409, 422), second.text
    if second.status_code == 200:
        assert world.r1_doc["doc_id"] not in second.text, f"R2 was answered with R1's request: {second.text}"
        status = world.anon.get(f"/v1/ims/{R2}/requests/{second.json()['reference_id']}", headers=r2)
        assert status.status_code == 200, f"R2's request {second.json()['reference_id']} is not R2's: {status.text}"


def test_an_idempotency_key_replays_only_the_filers_own_return_not_another_filers(world: World) -> None:
    key = "gstr1-nov"
    mine, theirs = bearer(world.tokens.live("filer", SUPPLIER)), bearer(world.tokens.live("filer", R2))
    first = world.anon.post(
        "/v1/returns/gstr1?status=saved",
        content=dumps({"gstin": SUPPLIER, "fp": "112025"}),
        headers={**mine, "Idempotency-Key": key},
    )
    assert first.status_code == 200, first.text
    second = world.anon.post(
        "/v1/returns/gstr1?status=saved",
        content=dumps({"gstin": R2, "fp": "112025"}),
        headers={**theirs, "Idempotency-Key": key},
    )
    assert second.status_code in (200, 409, 422), second.text
    if second.status_code == 200:
        status = world.anon.get(f"/v1/ims/{R2}/requests/{second.json()['reference_id']}", headers=theirs)
        assert status.status_code == 200, (
            f"the filer of {R2} got the answer to {SUPPLIER}'s return ({second.text}); its own return was not "
            f"filed: GET requests/{second.json()['reference_id']} as {R2} -> {status.status_code}"
        )


# The token CLI --------------------------------------------------------------------------------------------
def _schema_tables(stack: LiveStack) -> list[str]:
    with stack.engine.connect() as conn:
        return [
            row[0]
            for row in conn.execute(
                text(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = :s AND table_type = 'BASE TABLE'"
                ),
                {"s": stack.settings.db_schema},
            )
        ]


def _tables_holding(stack: LiveStack, needle: str) -> list[str]:
    found = []
    with stack.engine.connect() as conn:
        for table in _schema_tables(stack):
            hits = conn.execute(
                text(f"SELECT count(*) FROM {table} t WHERE strpos(t::text, :n) > 0"), {"n": needle}
            ).scalar()
            if hits:
                found.append(table)
    return found


def test_ims_token_create_prints_the_token_once_and_stores_only_its_hash(world: World) -> None:
    stack = world.stack
    run = ims(
        stack, "token", "create", "--role", "recipient", "--gstin", R1, "--subject", "cli@buyer", "--expires", "30d"
    )
    assert run.returncode == 0, run.stderr
    token = run.stdout.strip()
    assert run.stdout.count("\n") == 1 and re.fullmatch(r"ims_[A-Za-z0-9_-]{40,}", token), run.stdout
    token_id = re.search(r"token id (\S+)", run.stderr)
    assert token_id, run.stderr
    with stack.engine.connect() as conn:
        row = conn.execute(
            text("SELECT token_hash, subject, role, gstins, expires_at FROM api_tokens WHERE token_id = :i"),
            {"i": token_id[1]},
        ).one()
    assert row[0] == hashlib.sha256(token.encode()).hexdigest()
    assert (row[1], row[2], list(row[3])) == ("cli@buyer", "recipient", [R1])
    assert timedelta(days=29, hours=23) < row[4] - datetime.now(UTC) <= timedelta(days=30)

    assert world.anon.get(f"/v1/ims/{R1}/counts", headers=bearer(token)).status_code == 200
    assert world.anon.get(f"/v1/ims/{R2}/counts", headers=bearer(token)).status_code == 403
    assert _tables_holding(stack, token) == [], "the plaintext token is stored"
    assert _tables_holding(stack, token[4:]) == [], "the token's secret part is stored"
    for log in stack.settings.home.glob("*.log"):
        assert token[4:] not in log.read_text(errors="replace"), f"{log.name} holds the token"

    runs = ims_many(
        stack,
        {
            "list": ["token", "list"],
            "again": ["token", "create", "--role", "recipient", "--gstin", R1],
            "no gstin": ["token", "create", "--role", "recipient"],
            "bad gstin": ["token", "create", "--role", "filer", "--gstin", "29AABCM7710Q1ZY"],
            "bad expiry": ["token", "create", "--role", "supplier", "--gstin", R1, "--expires", "soon"],
            "bad role": ["token", "create", "--role", "root", "--gstin", R1],
        },
    )
    code, out, err = runs["list"]
    assert code == 0, err
    listed = {t["id"]: t for t in json.loads(out)}
    assert listed[token_id[1]]["subject"] == "cli@buyer" and not listed[token_id[1]]["revoked"]
    assert token[4:] not in out and row[0] not in out, "ims token list shows a token or its hash"
    assert runs["again"][0] == 0 and runs["again"][1].strip() != token
    for name, field in (("no gstin", "gstin"), ("bad gstin", "gstin"), ("bad expiry", "expires"), ("bad role", "role")):
        code, out, err = runs[name]
        assert code == 2 and out == "" and field in err and "Traceback" not in err, (name, code, out, err)


def test_ims_token_revoke_takes_effect_on_the_very_next_request(world: World) -> None:
    stack = world.stack
    created = ims_many(
        stack, {n: ["token", "create", "--role", "recipient", "--gstin", R1, "--subject", n] for n in ("one", "two")}
    )
    by_token, by_id = (created[n][1].strip() for n in ("one", "two"))
    two_id = re.search(r"token id (\S+)", created["two"][2])
    assert by_token and by_id and two_id
    for token in (by_token, by_id):
        assert world.anon.get(f"/v1/ims/{R1}/counts", headers=bearer(token)).status_code == 200
    revoked = ims_many(stack, {"token": ["token", "revoke", by_token], "id": ["token", "revoke", two_id[1]]})
    assert revoked["token"][:2] == (0, "revoked\n") and revoked["id"][:2] == (0, "revoked\n"), revoked
    for token in (by_token, by_id):
        answer = world.anon.get(f"/v1/ims/{R1}/counts", headers=bearer(token))
        assert answer.status_code == 401 and error_of(answer)["error_cd"] == "UNAUTHORIZED", answer.text
        again = world.anon.post(
            f"/v1/ims/{R1}/actions", content=dumps(save_body(R1, "SAVE", world.r1_doc)), headers=bearer(token)
        )
        assert again.status_code == 401
    twice = ims(stack, "token", "revoke", by_token)
    assert twice.returncode == 1 and "no such live token" in twice.stderr


def test_a_token_stops_working_when_it_expires(world: World) -> None:
    _, token = tokens.create(world.stack.engine, "recipient", [R1], "short-lived", expires=timedelta(seconds=2))
    assert world.anon.get(f"/v1/ims/{R1}/counts", headers=bearer(token)).status_code == 200
    time.sleep(3)
    answer = world.anon.get(f"/v1/ims/{R1}/counts", headers=bearer(token))
    assert answer.status_code == 401 and answer.headers.get("www-authenticate") == "Bearer", answer.text


# Audit -------------------------------------------------------------------------------------------------------
def test_history_names_the_subject_of_the_token_that_acted(world: World) -> None:
    stack = world.stack
    created = ims(stack, "token", "create", "--role", "recipient", "--gstin", R1, "--subject", "alice@buyer")
    assert created.returncode == 0, created.stderr
    alice = bearer(created.stdout.strip())
    bob = bearer(stack.token("recipient", R1, subject="bob@buyer"))
    docs = world.anon.get(f"/v1/ims/{R1}/documents", params={"section": "b2b"}, headers=alice).json()["b2b"]
    doc = docs[-1]
    record = {"doc_id": doc["doc_id"], "hash": doc["hash"], "action": "R", "remarks": "rate is wrong"}
    acted = world.anon.post(
        f"/v1/ims/{R1}/actions",
        content=dumps({"rtin": R1, "reqtyp": "SAVE", "invdata": {"b2b": [record]}}),
        headers=alice,
    )
    assert acted.status_code == 200 and acted.json()["status_cd"] == "P", acted.text
    stack.wait_projected()
    fresh = world.anon.get(f"/v1/ims/{R1}/documents", params={"section": "b2b"}, headers=bob).json()["b2b"]
    current = next(d for d in fresh if d["doc_id"] == doc["doc_id"])
    reset = world.anon.post(
        f"/v1/ims/{R1}/actions/reset",
        content=dumps(
            {"rtin": R1, "reqtyp": "RESET", "invdata": {"b2b": [{"doc_id": doc["doc_id"], "hash": current["hash"]}]}}
        ),
        headers=bob,
    )
    assert reset.status_code == 200 and reset.json()["status_cd"] == "P", reset.text
    stack.wait_projected()

    history = world.anon.get(f"/v1/ims/{R1}/documents/{doc['doc_id']}/history", headers=alice)
    assert history.status_code == 200, history.text
    events = history.json()["events"]
    assert [(e["event_type"], e["actor"]) for e in events] == [
        ("DocumentsFiled", "kumar@supplier"),
        ("ActionsTaken", "alice@buyer"),
        ("ActionsTaken", "bob@buyer"),
    ], events
    on_topic = events_of(stack, acted.json()["reference_id"])
    assert on_topic and {e.envelope.actor for e in on_topic} == {"alice@buyer"}


# Network exposure -------------------------------------------------------------------------------------------
def test_servers_bind_loopback_by_default(world: World) -> None:
    assert Settings().http_host == "127.0.0.1"
    assert Settings.from_env({}).http_host == "127.0.0.1"
    assert world.stack.settings.http_host == "127.0.0.1"
    assert listening_hosts(world.stack.settings.http_port) == {"127.0.0.1"}

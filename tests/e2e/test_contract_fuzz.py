"""The contract is fuzzable: schemathesis reads the real API's OpenAPI document (request bodies in GSTN's
shapes, every error status with its body, downloads and /metrics with their own content types) and sends
generated requests, valid and invalid, to every operation of the real `ims api` of the live stack, as the
admin (so scope checks do not stop the requests before the bodies). Every answer must be documented: no
5xx, only declared statuses and content types, and bodies that match their declared schemas.

Bounded for `make test`: ten valid and ten invalid examples per operation (four for returns, whose bodies are
slow to generate), deterministic, no example database: about 300 requests, 25-45 s on two cores (per
operation timings are printed with `-s`). `/healthz` is left out: its answers belong to the database-outage
work (services/api/app.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.live import LiveStack
from tests.support.payloads import example

pytestmark = pytest.mark.e2e
SUPPLIER, RECIPIENT = "27AAPFK4821M1ZT", "29AABCM7710Q1ZX"  # of the example GSTR-1
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 10  # per operation and mode (valid, invalid): about 300 requests
FEWER = {"/v1/returns/{form}": 4}  # generating GSTR-1 bodies (deeply optional) costs about a second each


@pytest.fixture(scope="module")
def contract(live_stack: LiveStack) -> Iterator[Any]:
    filed = live_stack.post("/v1/returns/gstr1?status=filed&filed_on=2025-11-11", example("gstr1-supplier.json"))
    assert filed.status_code == 200 and filed.json()["status_cd"] == "P", filed.text
    live_stack.wait_projected()
    document = live_stack.http.get("/openapi.json")
    assert document.status_code == 200, document.text
    schema = schemathesis.openapi.from_dict(document.json())
    schema.config.update(
        base_url=live_stack.base_url,
        headers={"Authorization": f"Bearer {live_stack.admin_token}"},
        request_timeout=60,
    )
    yield schema.exclude(path="/healthz")


def _fixed(path: str, names: set[str]) -> dict[str, str]:
    """Valid requests name the GSTINs and period that hold documents, so they reach the bodies' rules."""
    fixed = {"gstin": SUPPLIER if path.startswith("/v1/suppliers/") else RECIPIENT, "rtnprd": "102025"}
    return {k: v for k, v in fixed.items() if k in names}


def _fuzz(operation: Any, mode: GenerationMode, fixed: dict[str, str] | None, failures: dict[str, str]) -> int:
    """Send the operation's generated requests; the first contract failure of each (operation, mode) is kept."""
    calls = 0
    key = f"{operation.method.upper()} {operation.path} ({mode.value})"

    @settings(
        max_examples=FEWER.get(operation.path, EXAMPLES),
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed))
    def exchange(case: schemathesis.Case) -> None:
        nonlocal calls
        calls += 1
        response = case.call()
        try:
            case.validate_response(response, checks=CHECKS)
        except (AssertionError, FailureGroup) as exc:  # every failing operation is reported, not only the first
            failures.setdefault(key, f"{case.as_curl_command()[:300]}\n    {str(exc)[:600]}")

    try:
        exchange()
    except Unsatisfiable:  # nothing of this operation can be made invalid (no parameters, no body)
        assert mode is GenerationMode.NEGATIVE, key
    return calls


def test_every_operation_answers_only_what_the_openapi_document_declares(contract: Any) -> None:
    failures: dict[str, str] = {}
    calls = 0
    for result in contract.get_all_operations():
        operation = result.ok()
        names = {p.name for p in operation.path_parameters}
        started = time.monotonic()
        calls += _fuzz(operation, GenerationMode.POSITIVE, _fixed(operation.path, names), failures)
        calls += _fuzz(operation, GenerationMode.NEGATIVE, None, failures)
        print(f"{operation.method.upper()} {operation.path}: {time.monotonic() - started:.1f} s", end="; ")
    print(f"{calls} requests")
    assert calls >= 200, calls
    assert not failures, f"{len(failures)} operations answered outside the contract:\n" + "\n".join(
        f"{k}:\n    {v}" for k, v in failures.items()
    )

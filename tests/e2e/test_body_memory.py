"""API memory for a request body is bounded: the largest body each small endpoint allows, in the most
expensive shapes we know (thousands of empty or bloated records, deep-ish nesting, many tiny strings,
megabytes of ignored members), raises the real `ims api` process's resident memory by at most 4 x the largest
small-body limit (services/api/limits.py) over what it held just before; past a limit the answer is 413 before
the body is read further. The peak is the kernel's high-water mark (tests/support/memory.py). The figures are
printed (`-s`): the process keeps part of what it freed, so the RSS after all of them is printed too.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from services.api import limits
from services.demo.synthetic import write_large_return
from tests.support.ims_helpers import gstin
from tests.support.live import LiveStack
from tests.support.memory import peak_rss
from tests.support.security_helpers import bearer, error_of, fresh_client

pytestmark = pytest.mark.e2e
MiB = 1 << 20
BOUND = 4 * limits.LARGEST_SMALL
SAVE_RECORDS = limits.SAVE.records or 0
BOE_ROWS = limits.BOE.records or 0


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    body: bytes
    status: int


def _save(recipient: str, records: list[str], extra: str = "") -> bytes:
    head = f'{{"rtin":"{recipient}","reqtyp":"SAVE"{extra},"invdata":{{"b2b":['
    return (head + ",".join(records) + "]}}").encode()


def _fill(parts: int, budget: int, overhead: int) -> int:
    """How many characters each of `parts` records may have for the body to stay within `budget` bytes."""
    return (budget - overhead) // parts - 1


def _cases(recipient: str) -> list[Case]:
    save, boe, bulk = limits.SAVE.bytes, limits.BOE.bytes, limits.BULK.bytes
    path, n = f"/v1/ims/{recipient}/actions", SAVE_RECORDS
    width = _fill(n, save, 200)  # about 335 characters a record
    field = (width - 80) // 5
    bloated = "{" + ",".join(f'"{k}":"{k[0] * field}"' for k in ("doc_id", "stin", "inum", "nt_num", "boenum")) + "}"
    tiny = "{" + ",".join(f'"f{i}":"x"' for i in range(min(60, (width - 2) // 10))) + "}"
    depth = (width - 12) // 2
    nested = '{"action":' + "[" * depth + "]" * depth + "}"
    long_text = '{"doc_id":"b2b|x","action":"R","remarks":"' + "r" * 60_000 + '"}'
    ignored = ",".join(["{}"] * ((save - 200) // 3))
    boe_width = _fill(BOE_ROWS, boe, 100)
    boe_field = (boe_width - 150) // 12
    boe_row = "{" + ",".join(f'"{k}":"{"9" * boe_field}"' for k in sorted(_BOE_FIELDS)) + "}"
    bulk_pad = ",".join(["{}"] * ((bulk - 100) // 3))
    return [
        Case(f"SAVE of {n} empty records", path, _save(recipient, ["{}"] * n), 200),
        Case(f"SAVE of {n} records with long identifiers", path, _save(recipient, [bloated] * n), 200),
        Case(f"SAVE of {n} records of many tiny strings", path, _save(recipient, [tiny] * n), 200),
        Case(f"SAVE of {n} records nested deep-ish (refused at the first)", path, _save(recipient, [nested] * n), 400),
        Case("SAVE of remarks of 60,000 characters", path, _save(recipient, [long_text] * (save // 60_100)), 200),
        Case("SAVE with 16 MiB of an ignored member", path, _save(recipient, ["{}"], f',"pad":[{ignored}]'), 200),
        Case("SAVE of 5 million records (over the count)", path, _save(recipient, ["{}"] * ((save - 200) // 3)), 413),
        Case(
            f"BoE of {BOE_ROWS} empty rows",
            "/v1/imports/boe",
            ('{"boe":[' + ",".join(["{}"] * BOE_ROWS) + "]}").encode(),
            200,
        ),
        Case(
            f"BoE of {BOE_ROWS} bloated rows",
            "/v1/imports/boe",
            ('{"boe":[' + ",".join([boe_row] * BOE_ROWS) + "]}").encode(),
            200,
        ),
        Case("bulk of 64 KiB of empty objects", f"{path}/bulk", f'{{"action":"A","pad":[{bulk_pad}]}}'.encode(), 200),
    ]


_BOE_FIELDS = ("rtin", "port_code", "boe_num", "boe_dt", "refdt", "txval", "iamt", "csamt", "is_sez", "amd")


@pytest.fixture(scope="module")
def recipient(live_stack: LiveStack) -> Iterator[str]:
    yield gstin("29", "M")


def test_the_largest_small_bodies_of_hostile_shapes_cost_the_api_at_most_4x_the_largest_limit(
    live_stack: LiveStack, recipient: str
) -> None:
    api = live_stack.processes["api"].pid
    cases = _cases(recipient)
    for case in cases:
        assert len(case.body) <= (limits.SAVE.bytes if "/actions" in case.path else limits.BOE.bytes), case.name
    token = live_stack.admin_token
    measured: list[str] = []
    growths: list[int] = []
    failures: list[str] = []
    with fresh_client(live_stack, token) as warm:  # the first request of a process loads code and pools
        warm.post(f"/v1/ims/{recipient}/actions", content=_save(recipient, ["{}"]))
        warm.post("/v1/imports/boe", content=b'{"boe":[{}]}')
    with peak_rss(api) as overall:
        for case in cases:
            with peak_rss(api) as one, fresh_client(live_stack, token) as client:
                started = time.monotonic()
                answer = client.post(case.path, content=case.body, headers={"Content-Type": "application/json"})
                took = time.monotonic() - started
            growths.append(one.growth)
            measured.append(
                f"{case.name}: {len(case.body) / MiB:.1f} MiB body -> {answer.status_code} in {took:.1f} s, "
                f"RSS {one.before / MiB:.0f} -> peak {one.peak / MiB:.0f} MiB (+{one.growth / MiB:.0f})"
            )
            if answer.status_code != case.status:
                failures.append(f"{case.name}: {answer.status_code} {answer.text[:200]}")
            elif case.status == 413 and "records" not in error_of(answer)["error_msg"]:
                failures.append(f"{case.name}: 413 without naming the record limit: {answer.text[:200]}")
    print("\n".join(measured), f"\nall: RSS {overall.before / MiB:.0f} -> peak {overall.peak / MiB:.0f} MiB")
    assert not failures, "\n".join(failures)
    over = [line for line, growth in zip(measured, growths, strict=True) if growth > BOUND]
    assert not over, f"the API's RSS grew more than {BOUND / MiB:.0f} MiB for:\n" + "\n".join(over)
    assert httpx.get(f"{live_stack.base_url}/v1/ims/{recipient}/counts", headers=bearer(token)).status_code == 200


RETURN_MIB = 16  # bench/return_memory.py files 512 MiB (too slow for `make test`) and prints the figures
GIB = 1 << 30


def _file_return(live_stack: LiveStack, body: Path) -> tuple[httpx.Response, int, int]:
    """POST a return streamed from disk; (answer, API RSS before, peak RSS of the API)."""
    api = live_stack.processes["api"].pid

    def chunks() -> Iterator[bytes]:
        with open(body, "rb") as source:
            while block := source.read(1 << 20):
                yield block

    with peak_rss(api) as one, fresh_client(live_stack, live_stack.admin_token) as client:
        answer = client.post("/v1/returns/gstr1?status=saved", content=chunks())
    return answer, one.before, one.peak


def test_a_large_return_valid_or_hostile_is_filed_within_a_bounded_api_memory(
    live_stack: LiveStack, tmp_path: Path
) -> None:
    """A scaled-down return (16 MiB; the 512 MiB figure is bench/return_memory.py's): the API's peak stays far
    below the 1 GB the largest return may cost, and a return of empty rows is refused whole at 100,000 rows in
    error instead of growing its answer row by row."""
    valid, hostile = tmp_path / "valid.json", tmp_path / "hostile.json"
    summary = write_large_return(valid, 11, "102025", RETURN_MIB * 5200, recipients=3)
    rows = (RETURN_MIB * MiB - 200) // 3
    hostile.write_text(
        f'{{"gstin":"{summary["supplier"]}","fp":"102025","b2b":[{{"ctin":"{gstin("29", "R")}","inv":['
        + ",".join(["{}"] * rows)
        + "]}]}"
    )
    lines = []
    for name, body, status in (("valid", valid, 200), ("hostile", hostile, 400)):
        answer, before, peak = _file_return(live_stack, body)
        lines.append(
            f"{name} return of {body.stat().st_size / MiB:.0f} MiB: {answer.status_code}, "
            f"RSS {before / MiB:.0f} -> peak {peak / MiB:.0f} MiB"
        )
        assert answer.status_code == status, answer.text[:300]
        if name == "valid":
            assert answer.json()["proc_cnt"] == summary["documents"], answer.text[:300]
        else:
            assert "more than 100000 documents in error" in error_of(answer)["error_msg"], answer.text[:300]
        assert peak <= GIB and peak - before <= 8 * RETURN_MIB * MiB, "\n".join(lines)
    print("\n".join(lines))

"""Periods and dates take ASCII digits only, everywhere the API reads one (query and path parameters, body
fields): Python's int(), `\\d` and str.isdigit() also read fullwidth and Arabic-Indic digits, which would
name a period no other path spells that way. And oversized values (integers of thousands of digits, path
segments of kilobytes, numbers beyond any amount) get a 4xx JSON error naming the field, never a 5xx.
Nothing refused here publishes anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.support.ims_helpers import gstin, invoice
from tests.support.live import LiveStack, dumps
from tests.support.security_helpers import NOTHING_PUBLISHED_TABLES, changes, error_of, fresh_client, snapshot

pytestmark = pytest.mark.e2e
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
BIG = "9" * 5000


@dataclass
class World:
    stack: LiveStack
    supplier: str
    recipient: str
    doc: dict[str, Any]

    def client(self) -> httpx.Client:
        return fresh_client(self.stack, self.stack.admin_token)


@pytest.fixture(scope="module")
def world(live_stack: LiveStack) -> Iterator[World]:
    supplier, recipient = gstin("27", "D"), gstin("29", "D")
    body = {
        "gstin": supplier,
        "fp": "102025",
        "b2b": [{"ctin": recipient, "inv": [invoice("DG/1", "05-10-2025", "100.00")]}],
    }
    filed = live_stack.post("/v1/returns/gstr1?status=filed&filed_on=2025-11-11", body)
    assert filed.status_code == 200 and filed.json()["status_cd"] == "P", filed.text
    live_stack.wait_projected()
    doc = live_stack.http.get(f"/v1/ims/{recipient}/documents").json()["b2b"][0]
    yield World(live_stack, supplier, recipient, doc)


def _foreign(text: str) -> list[str]:
    return [text.translate(FULLWIDTH), text.translate(ARABIC_INDIC), text[:-1] + text[-1].translate(FULLWIDTH)]


def test_periods_and_dates_in_other_scripts_digits_are_refused_naming_the_field(world: World) -> None:
    s, r, doc = world.supplier, world.recipient, world.doc
    gets: list[tuple[str, str]] = []
    posts: list[tuple[str, Any, str]] = []
    for period in _foreign("102025"):
        gets += [
            (f"/v1/ims/{r}/counts?rtnprd={quote(period)}", "rtnprd"),
            (f"/v1/ims/{r}/documents?rtnprd={quote(period)}", "rtnprd"),
            (f"/v1/suppliers/{s}/outward?rtnprd={quote(period)}", "rtnprd"),
            (f"/v1/gstr2b/{r}/{quote(period)}", "rtnprd"),
            (f"/v1/gstr2b/{r}/{quote(period)}/versions", "rtnprd"),
        ]
        posts += [
            ("/v1/returns/gstr1?status=saved", {"gstin": s, "fp": period}, "fp"),
            (f"/v1/ims/{r}/gstr3b/{quote(period)}", {"filed_on": "2025-11-20"}, "rtnprd"),
            (f"/v1/ims/{r}/actions/bulk", {"action": "A", "filter": {"rtnprd": period}}, "rtnprd"),
            (f"/v1/suppliers/{s}/rule37a", {"periods": [period], "reported_on": "2026-10-01"}, "periods"),
        ]
    for day in _foreign("2025-11-20"):
        gets.append((f"/v1/ims/{r}/counts?as_of={quote(day + 'T10:00:00+05:30')}", "as_of"))
        posts += [
            (f"/v1/ims/{r}/gstr3b/102025", {"filed_on": day}, "filed_on"),
            ("/v1/clock", {"date": day}, "date"),
            (f"/v1/suppliers/{s}/rule37a", {"periods": ["032025"], "reported_on": day}, "reported_on"),
            (f"/v1/returns/gstr1?status=filed&filed_on={quote(day)}", {"gstin": s, "fp": "102025"}, "filed_on"),
        ]
    failures = []
    before = snapshot(world.stack, NOTHING_PUBLISHED_TABLES)
    with world.client() as client:
        for path, field in gets:
            answer = client.get(path)
            if not 400 <= answer.status_code < 500 or field not in error_of(answer).get("error_msg", ""):
                failures.append(f"GET {path}: {answer.status_code} {answer.text[:200]}")
        for path, body, field in posts:
            answer = client.post(path, content=dumps(body))
            if not 400 <= answer.status_code < 500 or field not in error_of(answer).get("error_msg", ""):
                failures.append(f"POST {path} {dumps(body)}: {answer.status_code} {answer.text[:200]}")
        # Document dates inside bodies: a SAVE record's idt, a return's idt, a Bill of Entry's dates.
        for day in _foreign("05-10-2025"):
            save = {"stin": s, "inum": doc["inum"], "idt": day, "action": "A", "hash": doc["hash"]}
            answer = client.post(
                f"/v1/ims/{r}/actions", content=dumps({"rtin": r, "reqtyp": "SAVE", "invdata": {"b2b": [save]}})
            )
            if answer.status_code != 200 or answer.json()["proc_cnt"] != "0":
                failures.append(f"SAVE with idt {day!r}: {answer.status_code} {answer.text[:200]}")
            row = invoice("DG/2", day, "100.00")
            answer = client.post(
                "/v1/returns/gstr1?status=saved",
                content=dumps({"gstin": s, "fp": "102025", "b2b": [{"ctin": r, "inv": [row]}]}),
            )
            if answer.status_code != 200 or "idt" not in answer.text or answer.json()["proc_cnt"] != 0:
                failures.append(f"return with idt {day!r}: {answer.status_code} {answer.text[:200]}")
    failures += changes(before, snapshot(world.stack, NOTHING_PUBLISHED_TABLES))
    assert not failures, "\n".join(failures)


def test_oversized_values_get_a_4xx_naming_the_field_never_a_5xx(world: World) -> None:
    r, s, doc = world.recipient, world.supplier, world.doc
    long = "x" * 20_000
    gets = [
        (f"/v1/ims/{r}/documents?limit={BIG}", "limit"),
        (f"/v1/ims/{r}/documents?limit={10**30}", "limit"),
        (f"/v1/suppliers/{s}/outward?limit={BIG}", "limit"),
        (f"/v1/gstr2b/{r}/102025?version={BIG}", "version"),
        (f"/v1/gstr2b/{r}/102025?version={10**30}", "version"),
        (f"/v1/gstr2b/{r}/102025/diff?from={BIG}&to=1", "from"),
        (f"/v1/ims/{r}/documents/{long}/history", "doc_id"),
        (f"/v1/ims/{r}/requests/{long}", "reference_id"),
        (f"/v1/ims/{long}/counts", "gstin"),
        (f"/v1/gstr2b/{r}/{long}", "rtnprd"),
        (f"/v1/ims/{r}/documents?cursor={long}", "cursor"),
        (f"/v1/ims/{r}/documents?section={long}", "section"),
        (f"/v1/ims/{r}/counts?as_of={long}", "as_of"),
    ]
    huge = "1e999999999"
    record = f'{{"doc_id":"{doc["doc_id"]}","hash":"{doc["hash"]}","action":"A","declIgst":{huge}}}'
    posts = [
        (f"/v1/ims/{r}/actions", f'{{"rtin":"{r}","reqtyp":"SAVE","invdata":{{"b2b":[{record}]}}}}', "declIgst"),
        (f"/v1/ims/{r}/actions/bulk", f'{{"action":"A","itc_reduction":{{"declIgst":{huge}}}}}', "declIgst"),
        (f"/v1/ims/{r}/actions", f'{{"rtin":"{r}","reqtyp":"SAVE","invdata":{{"b2b":[{{"n":{BIG}}}]}}}}', "number"),
        ("/v1/imports/boe", f'{{"boe":[{{"rtin":"{r}","txval":{huge}}}]}}', "txval"),
        (f"/v1/returns/{long[:5000]}", '{"gstin":"x"}', "form"),
        ("/v1/clock", f'{{"date":"{long[:3000]}"}}', "date"),
    ]
    failures = []
    before = snapshot(world.stack, NOTHING_PUBLISHED_TABLES)
    with world.client() as client:
        for path, field in gets:
            answer = client.get(path)
            message = error_of(answer).get("error_msg", "") if answer.status_code < 500 else ""
            if not 400 <= answer.status_code < 500 or field not in message or len(answer.content) > 2000:
                failures.append(f"GET {path[:100]}: {answer.status_code} {answer.text[:200]}")
        for path, body, field in posts:
            answer = client.post(path, content=body)
            if answer.status_code >= 500 or field not in answer.text or len(answer.content) > 2000:
                failures.append(f"POST {path[:80]} {body[:100]}: {answer.status_code} {answer.text[:200]}")
            elif answer.status_code == 200 and int(answer.json().get("proc_cnt") or 0):
                failures.append(f"POST {path[:80]} {body[:100]}: accepted {answer.text[:200]}")
    failures += changes(before, snapshot(world.stack, NOTHING_PUBLISHED_TABLES))
    assert not failures, "\n".join(failures)

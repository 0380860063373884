"""Random requests of one recipient for the property-based hostile-input test (tests/e2e/hostile/test_queries.py)."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote

import httpx
from hypothesis import strategies as st

from services.common.gst.sections import SECTION_BY_KEY
from tests.support.hostile_scene import Scene

# Text in URLs may hold any character but surrogates (they cannot be percent-encoded as UTF-8). Text in JSON
# bodies may hold anything but NUL: a NUL that reaches the projector stops it for every recipient, which the
# last test of tests/e2e/hostile/test_queries.py pins on its own; here it would only hide what else the random
# requests find.
SURROGATES: tuple[Literal["Cs"]] = ("Cs",)  # typed: mypy infers a bare ("Cs",) as tuple[str]
URL_TEXT = st.text(st.characters(blacklist_categories=SURROGATES), max_size=24)
BODY_TEXT = st.text(st.characters(blacklist_characters="\x00"), max_size=24)
JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
    BODY_TEXT,
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(BODY_TEXT, inner, max_size=4)),
    max_leaves=12,
)
PARAMS = ("section", "status", "stin", "rtnprd", "q", "limit", "cursor", "format", "as_of", "version", "from", "to")


@st.composite
def hostile_requests(draw: st.DrawFn, scene: Scene) -> tuple[str, str, Any]:
    """(method, path with query, JSON body or None): random requests by A within and around its endpoints.
    Each field is well-formed (from A's and B's real identifiers) four times in five and random otherwise,
    so most requests get past the first checks and reach the item rules, the read model and the broker."""
    a, b = scene.a, scene.b
    docs = [*scene.a_docs.values(), *scene.b_docs.values()]
    known = [a, b, scene.supplier, "102025", "112025", "b2b", "cdnr", "A", "R", "P", "N", "' OR 1=1--", "%", "csv"]
    known += [d["doc_id"] for d in docs] + [d["inum"] for d in docs]
    interesting = st.sampled_from(known)
    junk = st.one_of(interesting, JSON_VALUES)

    def mostly(valid: st.SearchStrategy[Any]) -> Any:
        return draw(junk) if draw(st.integers(0, 4)) == 4 else draw(valid)

    values = st.one_of(URL_TEXT, interesting)
    query = draw(st.dictionaries(st.one_of(st.sampled_from(PARAMS), URL_TEXT), values, max_size=4))
    segment = quote(draw(st.one_of(URL_TEXT, interesting)), safe="")
    suffix = ("?" + str(httpx.QueryParams(query))) if query else ""

    def record() -> dict[str, Any]:
        doc = draw(st.sampled_from(docs))
        fields = {
            "doc_id": st.just(doc["doc_id"]),
            "stin": st.just(doc["stin"]),
            "inum": st.just(doc["inum"]),
            "idt": st.just(doc["idt"]),
            "hash": st.just(doc["hash"]),
            "action": st.sampled_from(["A", "R", "P", "N"]),
            "remarks": BODY_TEXT,
            "itcRedReq": st.sampled_from(["Y", "N"]),
            "declIgst": st.decimals(min_value=0, max_value=10**6, places=2),
        }
        chosen = draw(st.lists(st.sampled_from(sorted(fields)), min_size=1, max_size=7, unique=True))
        return {name: mostly(fields[name]) for name in chosen}

    kind = draw(st.integers(0, 9))
    if kind == 0:
        return "GET", f"/v1/ims/{a}/counts{suffix}", None
    if kind == 1:
        return "GET", f"/v1/ims/{a}/documents{suffix}", None
    if kind == 2:
        return "GET", f"/v1/ims/{a}/documents/{segment}/history", None
    if kind == 3:
        return "GET", f"/v1/ims/{a}/requests/{segment}", None
    if kind == 4:
        tail = draw(st.sampled_from(["", "/versions", "/diff"]))
        return "GET", f"/v1/gstr2b/{a}/{segment}{tail}{suffix}", None
    if kind == 5:
        return "GET", f"/v1/ims/{segment}/documents{suffix}", None
    if kind == 6:  # SAVE / RESET
        reqtyp = draw(st.sampled_from(["SAVE", "RESET"]))
        section = draw(st.one_of(st.sampled_from(sorted(SECTION_BY_KEY)), st.just("b2b"), BODY_TEXT))  # a JSON key
        invdata = {section: [record() for _ in range(draw(st.integers(1, 3)))]}
        body = {"rtin": mostly(st.just(a)), "reqtyp": mostly(st.just(reqtyp)), "invdata": mostly(st.just(invdata))}
        return "POST", f"/v1/ims/{a}/actions" + ("/reset" if reqtyp == "RESET" else ""), body
    if kind == 7:  # bulk
        filter_values = {
            "section": st.sampled_from(sorted(SECTION_BY_KEY)),
            "status": st.sampled_from(["N", "A", "R", "P", "pending"]),
            "stin": st.sampled_from([scene.supplier, a, b]),
            "rtnprd": st.sampled_from(["102025", "112025"]),
        }
        keys = draw(st.lists(st.sampled_from(sorted(filter_values)), max_size=3, unique=True))
        body = {
            "action": mostly(st.sampled_from(["A", "R", "P", "N"])),
            "filter": mostly(st.just({k: mostly(filter_values[k]) for k in keys})),
            "remarks": mostly(BODY_TEXT),
            "itc_reduction": mostly(st.just({"itcRedReq": "Y", "declIgst": "1.00"})),
        }
        return "POST", f"/v1/ims/{a}/actions/bulk", body
    if kind == 8:
        path = draw(st.sampled_from([f"/v1/ims/{a}/profile", f"/v1/ims/{a}/gstr3b/{segment}", f"/v1/ims/{a}/actions"]))
        return "POST", path, draw(junk)
    return "GET", f"/v1/suppliers/{segment}/outward{suffix}", None

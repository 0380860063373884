"""The key-path checker of the golden GSTR-2B test (tests/support/gstn_keys.py) finds what it is for: a path
GSTN lacks, a path of another JSON type, a record missing a key, and lets optional keys and keys of ours be."""

from __future__ import annotations

from pathlib import Path

from tests.support import gstn_keys

SPEC = (
    "data.list[].a\tstring\ndata.list[].b\tnumber\ndata.list[].c\tstring\toptional\ndata.head\tstring\nchksum\tstring\n"
)


def _spec(tmp_path: Path, monkeypatch) -> gstn_keys.Spec:  # type: ignore[no-untyped-def]
    (tmp_path / "probe.keys").write_text("# a comment\n" + SPEC)
    monkeypatch.setattr(gstn_keys, "SPEC_DIR", tmp_path)
    return gstn_keys.load("probe.keys")


def test_a_path_gstn_lacks_a_wrong_type_and_a_missing_key_are_each_named(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    spec = _spec(tmp_path, monkeypatch)
    answer = {
        "data": {"head": "x", "list": [{"a": "1", "b": 2, "c": "3"}, {"a": 1, "b": 2, "d": None}, {"b": 3}]},
        "chksum": "0",
        "ours": {"anything": 1},
    }
    assert gstn_keys.problems(spec, answer, {"ours"}, set()) == [
        "data.list[].a: number, string where GSTN's type is string",
        "data.list[].d: not in GSTN's format (null)",
        "data.list[]: lacks a",
    ]


def test_an_optional_key_may_be_left_out_and_a_section_map_may_hold_any_subset(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    spec = _spec(tmp_path, monkeypatch)
    answer = {"data": {"list": [{"a": "1", "b": 2}]}, "chksum": "0"}
    assert gstn_keys.problems(spec, answer, set(), {"data"}) == []
    assert gstn_keys.problems(spec, answer, set(), set()) == ["data: lacks head"]
    assert spec.optional == {"data.list[]": frozenset({"c"})}

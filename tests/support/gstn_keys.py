"""Key paths of a JSON answer held against a key-path specification of GSTN's format (tests/golden-spec/*.keys).

A path names an object's key by `.` and a list's items by `[]` (`data.docdata.b2b[].inv[].igst`); a leaf's
JSON type is `string`, `number`, `boolean` or `null`. A specification line is `path <TAB> type`, with a third
column `optional` for a key GSTN sends on some records only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

SPEC_DIR = Path(__file__).parents[1] / "golden-spec"


@dataclass(frozen=True)
class Spec:
    types: dict[str, str]  # leaf path -> JSON type
    children: dict[str, frozenset[str]]  # object path -> the keys GSTN defines in it
    optional: dict[str, frozenset[str]]  # object path -> those of its keys GSTN sends on some objects only

    def required(self, container: str) -> frozenset[str]:
        return self.children.get(container, frozenset()) - self.optional.get(container, frozenset())


def load(name: str) -> Spec:
    types: dict[str, str] = {}
    children: dict[str, set[str]] = defaultdict(set)
    optional: dict[str, set[str]] = defaultdict(set)
    for line in (SPEC_DIR / name).read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        path, kind, *flags = line.split("\t")
        assert path not in types, f"{name}: {path} twice"
        types[path] = kind
        container = ""
        for segment in path.split("."):
            key = segment.removesuffix("[]")
            children[container].add(key)
            if flags == ["optional"] and container + ("." if container else "") + segment == path:
                optional[container].add(key)
            container = f"{container}.{segment}" if container else segment
    return Spec(
        types,
        {k: frozenset(v) for k, v in children.items()},
        {k: frozenset(v) for k, v in optional.items()},
    )


def json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float | Decimal):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    return "object" if isinstance(value, dict) else "array"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def leaves(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, JSON type) of every leaf value; an empty object or list has none."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, _join(path, key))
    elif isinstance(node, list):
        for item in node:
            yield from leaves(item, path + "[]")
    else:
        yield path, json_type(node)


def objects(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, object) of every object, the answer itself included (path "")."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from objects(value, _join(path, key))
    elif isinstance(node, list):
        for item in node:
            yield from objects(item, path + "[]")


def problems(spec: Spec, answer: dict[str, Any], ours: set[str], sections: set[str]) -> list[str]:
    """Every path of `answer` outside its keys `ours` that GSTN's format lacks or types otherwise, and every
    object missing a key GSTN defines for it. `sections`: the objects whose keys are sections, each sent only
    when it has documents (so none of their keys is required)."""
    found: list[str] = []
    kept = {key: value for key, value in answer.items() if key not in ours}
    seen: dict[str, set[str]] = defaultdict(set)
    for path, kind in leaves(kept):
        seen[path].add(kind)
    for path, kinds in sorted(seen.items()):
        if path not in spec.types:
            found.append(f"{path}: not in GSTN's format ({', '.join(sorted(kinds))})")
        elif kinds != {spec.types[path]}:
            found.append(f"{path}: {', '.join(sorted(kinds))} where GSTN's type is {spec.types[path]}")
    missing: dict[str, set[str]] = defaultdict(set)
    for path, node in objects(kept):
        if path not in sections:
            missing[path] |= spec.required(path) - set(node)
    found += [f"{path or '(top)'}: lacks {', '.join(sorted(keys))}" for path, keys in sorted(missing.items()) if keys]
    return found

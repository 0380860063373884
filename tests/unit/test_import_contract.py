"""The import contract (run by `make test` and `make lint`): the shape of the code stays as README's Layout
describes it.

- Services depend on each other in one direction only: `common` at the bottom, then `archive` and the
  HTTP kit of `api`, then `registry` (taxpayer names, which every service above may show), then `ingest`
  and `gstr2b`, then `actions` (its projector starts GSTR-2B generation at the cut-off), then `demo` and the
  web dashboard `web` (above `actions`). `recon` (the recipient's purchase register, for reconciliation)
  sits beside `ingest` above `registry`; only `actions` (`POST .../recon/apply` sends its suggested actions),
  `web` (its reconciliation page reads the API's own reconciliation) and the composition roots import it.
  Nothing imports upwards, so no two services form a cycle.
- The composition roots (`bootstrap`, `replay`, `cli`, `services.api.app`, `services.api.metrics`) wire
  everything and may import anything; no service imports them.
- A `domain/` package is pure: the standard library, its own service's domain and the shared GST
  vocabulary (`services.common.gst`, `services.common.quoting`, the tables people send: `services.common.rows`),
  nothing that does I/O; so are those (of the libraries, orjson and rapidfuzz: computation only).

Every import counts, function-local ones included (they were the way cycles used to be dodged).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "services"
ROOTS = ("services.bootstrap", "services.replay", "services.cli", "services.api.app", "services.api.metrics")
# what each service may import besides itself (the layers, bottom first)
ALLOWED: dict[str, frozenset[str]] = {
    "common": frozenset(),
    "archive": frozenset({"common"}),
    "api": frozenset({"common"}),
    "registry": frozenset({"common", "archive", "api"}),
    "recon": frozenset({"common", "archive", "api", "registry"}),
    "ingest": frozenset({"common", "archive", "api", "registry"}),
    "gstr2b": frozenset({"common", "archive", "api", "registry"}),
    "actions": frozenset({"common", "archive", "api", "gstr2b", "registry", "recon"}),
    "demo": frozenset({"common", "ingest"}),
    "web": frozenset({"common", "archive", "api", "registry", "gstr2b", "actions", "recon"}),
}
DOMAIN_MAY_IMPORT = ("services.common.gst", "services.common.quoting", "services.common.rows")
PURE_LIBRARIES = frozenset(sys.stdlib_module_names)


def _module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, imported module) for every import in the file, `from services.x import y` as services.x.y."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def _is_root(module: str) -> bool:
    return any(module == r or module.startswith(r + ".") for r in ROOTS)


def _service(module: str) -> str:
    return module.split(".")[1]


def _files() -> list[Path]:
    return sorted(p for p in SERVICES.rglob("*.py") if "native" not in p.parts)


def test_services_import_only_the_layers_below_them_and_never_a_composition_root() -> None:
    broken = []
    for path in _files():
        module = _module_of(path)
        if module == "services" or _is_root(module):
            continue
        own = _service(module)
        assert own in ALLOWED, f"{module}: a new top-level package; give it a layer in ALLOWED"
        for line, imported in _imports(path):
            if not imported.startswith("services."):
                continue
            if _is_root(imported):
                broken.append(f"{path.relative_to(ROOT)}:{line} imports the composition root {imported}")
            elif (target := _service(imported)) != own and target not in ALLOWED[own]:
                broken.append(f"{path.relative_to(ROOT)}:{line} ({own}) imports {imported} ({target})")
    assert not broken, "imports against the layers:\n" + "\n".join(broken)


def test_the_layers_have_no_cycle() -> None:
    def reaches(start: str, goal: str, seen: frozenset[str] = frozenset()) -> bool:
        return any(n == goal or (n not in seen and reaches(n, goal, seen | {n})) for n in ALLOWED[start])

    assert [s for s in ALLOWED if reaches(s, s)] == []


def _pure(path: Path) -> bool:
    """A `domain/` module, or one of the shared modules every domain may import."""
    return "domain" in path.parts or _module_of(path).startswith(DOMAIN_MAY_IMPORT)


@pytest.mark.parametrize("path", [p for p in _files() if _pure(p)], ids=lambda p: str(p.relative_to(ROOT)))
def test_a_domain_module_imports_nothing_that_does_io(path: Path) -> None:
    module = _module_of(path)
    own_domain = module[: module.index(".domain") + len(".domain")] if ".domain" in module else module
    allowed = [own_domain, *DOMAIN_MAY_IMPORT]
    broken = []
    for line, imported in _imports(path):
        top = imported.split(".")[0]
        if imported.startswith("services."):
            if not any(imported == m or imported.startswith(m + ".") for m in allowed):
                broken.append(f"line {line}: {imported}")
        elif top not in PURE_LIBRARIES and top not in ("__future__", "orjson", "rapidfuzz"):
            broken.append(f"line {line}: {imported} (not the standard library)")
    assert not broken, f"{module} is a domain module; it imports:\n" + "\n".join(broken)


def test_the_contract_sees_an_upward_import(tmp_path: Path) -> None:
    """The checker itself: a common module importing actions is found."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from services.actions.views import queries\n")
    assert [imported for _, imported in _imports(bad)] == ["services.actions.views.queries"]

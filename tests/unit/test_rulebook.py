"""The rulebook (docs/rules.md) names only what exists, and the repository cites nothing outside itself.

- Every path the rulebook names exists, and every `path::name` is defined in that file: a function, class
  or constant of a module, a test or fixture of a test file.
- Its sections keep their numbers and subjects, so a citation "docs/rules.md §n" elsewhere keeps its
  meaning; every such citation names a section that exists.
- No file of the repository names the external rules file or the directory beside the checkout that held it.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RULEBOOK = ROOT / "docs" / "rules.md"
SECTIONS = {
    1: "Documents that reach",
    2: "Documents that skip IMS",
    3: "Actions",
    4: "Time and periods",
    5: "Amendments",
    6: "The supplier",
    7: "GSTR-2B",
    8: "Formats",
    9: "Validation",
    10: "Reconciliation",
    11: "What we do not build",
}
REFERENCE = re.compile(r"(?<![\w/.])((?:services|tests|bench|docs|schemas|infra)/[\w./-]*\w)(?:::(\w+))?")
HEADING = re.compile(r"^## §(\d+) (.+)$", re.MULTILINE)
CITATION = re.compile(r"docs/rules\.md §(\d+)")
# spelled in two pieces so that this file does not name them itself
FORBIDDEN = ("IMS-" + "RULES", "../" + "shared")
SKIPPED_DIRS = {".git", ".venv", ".ims", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis"}


def references() -> list[tuple[str, str | None]]:
    return sorted(set(REFERENCE.findall(RULEBOOK.read_text())), key=lambda ref: (ref[0], ref[1] or ""))


@functools.cache
def defined_names(path: Path) -> frozenset[str]:
    """Functions and classes at any depth, and names assigned at module level."""
    tree = ast.parse(path.read_text())
    names = {
        node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }
    for node in tree.body:
        if isinstance(node, ast.Assign):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return frozenset(names)


def repository_files() -> Iterator[Path]:
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT).parts
        if any(part in SKIPPED_DIRS or part.endswith(".egg-info") for part in relative):
            continue
        if path.is_file() and path.suffix not in (".so", ".pyc"):
            yield path


def test_the_rulebook_names_at_least_one_module_and_one_test_per_built_section() -> None:
    text = RULEBOOK.read_text()
    for number in range(1, 10):
        body = text.split(f"## §{number} ", 1)[1].split("\n## ", 1)[0]
        assert "`services/" in body and "`tests/" in body, f"§{number} names no module or no test"


@pytest.mark.parametrize(("path", "name"), references(), ids=lambda value: value or "")
def test_every_path_and_name_the_rulebook_cites_exists(path: str, name: str | None) -> None:
    assert (ROOT / path).exists(), f"docs/rules.md names {path}, which does not exist"
    if name:
        assert path.endswith(".py"), f"docs/rules.md names {name} in {path}, which is not a Python file"
        assert name in defined_names(ROOT / path), f"docs/rules.md names {path}::{name}, which is not defined there"


def test_the_sections_keep_their_numbers_and_subjects() -> None:
    headings = [(int(number), title) for number, title in HEADING.findall(RULEBOOK.read_text())]
    assert [number for number, _ in headings] == list(SECTIONS)
    for number, title in headings:
        assert title.startswith(SECTIONS[number]), f"§{number} is now {title!r}"


def test_each_built_part_of_reconciliation_names_its_modules_and_tests() -> None:
    """§10.1 (the purchase register in), §10.2 (matching, the policy and manual links), §10.3 (suggestions),
    §10.4 (reading them) and §10.5 (applying them) are built, each naming its modules and tests; what is not
    built yet is said in words."""
    body = RULEBOOK.read_text().split("## §10 ", 1)[1].split("\n## ", 1)[0]
    parts = body.split("\n**10.")[1:]
    assert [part.split(" ", 1)[0] for part in parts] == ["1", "2", "3", "4", "5"]
    for part in parts:
        assert "`services/recon/" in part and "`tests/" in part


def test_every_citation_of_the_rulebook_names_a_section_it_has() -> None:
    cited = {
        (str(path.relative_to(ROOT)), int(number))
        for path in repository_files()
        if path.suffix in (".py", ".md")
        for number in CITATION.findall(path.read_text(errors="replace"))
    }
    assert cited, "nothing cites the rulebook"
    assert {(where, number) for where, number in cited if number not in SECTIONS} == set()


def test_nothing_in_the_repository_names_the_external_rules_or_the_directory_beside_it() -> None:
    found = [
        f"{path.relative_to(ROOT)}: {needle}"
        for path in repository_files()
        for needle in FORBIDDEN
        if needle.encode() in path.read_bytes()
    ]
    assert found == []


def test_every_error_code_is_listed_with_whose_it_is() -> None:
    """docs/rules.md §9.9 lists every code a filing or an action can be refused with, GSTN's or ours."""
    from services.ingest.domain.problems import ERROR_CODES

    refusals = set()
    for path in (ROOT / "services").rglob("*.py"):
        refusals |= set(re.findall(r'(?:Refusal|_Refused)\(\s*(?:"\w+", )?"([A-Z_]+)"', path.read_text()))
    table = RULEBOOK.read_text().split("**9.9 Whose refusal is it.**")[1].split("## §10")[0]
    listed = set(re.findall(r"^\| ([^|]+) \|", table, re.MULTILINE))
    codes = {code for cell in listed for code in re.findall(r"`([A-Z_]+)`", cell)}
    assert (set(ERROR_CODES) | refusals) - codes == set()

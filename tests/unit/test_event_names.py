"""Event type names have one home, the registry (services/common/events.py): elsewhere under services/ a name
is the class's `EVENT_TYPE` or the registry's constant, never a string literal (nor one quoted inside SQL)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from services.common.events import NAMES

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "services"
REGISTRY = SERVICES / "common" / "events.py"


def _literals(source: str, filename: str) -> Iterator[tuple[int, str]]:
    """(line, name) for every string constant that is an event type name or quotes one (`'Name'`)."""
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for name in NAMES:
                if node.value == name or f"'{name}'" in node.value or f'"{name}"' in node.value:
                    yield node.lineno, name


def test_no_event_type_name_is_a_string_literal_outside_the_registry() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {name!r}"
        for path in sorted(SERVICES.rglob("*.py"))
        if path != REGISTRY
        for line, name in _literals(path.read_text(), str(path))
    ]
    assert not found, "event type names outside services/common/events.py:\n" + "\n".join(found)


def test_the_check_finds_a_name_as_a_literal_and_quoted_in_sql_but_not_in_prose() -> None:
    source = (
        'def f():\n    """Applies `ActionsTaken` chunks."""\n    return Envelope("ActionsTaken", 1)\n'
        "SQL = \"SELECT 1 FROM event_log WHERE event_type = 'ClockAdvanced'\"\n"
    )
    assert sorted(_literals(source, "probe.py")) == [(3, "ActionsTaken"), (4, "ClockAdvanced")]

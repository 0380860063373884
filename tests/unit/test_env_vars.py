"""`ENV_VARS` lists every environment variable the code reads, and nothing else: an operator reading it (and
docker-compose.yml, checked against it) sees every knob."""

from __future__ import annotations

import re
from pathlib import Path

from services.common.settings import ENV_VARS

SERVICES = Path(__file__).resolve().parents[2] / "services"
NAMED = re.compile(r"""["'](IMS_[A-Z0-9_]+|DATABASE_URL|KAFKA_BOOTSTRAP_SERVERS)["']""")


def _read_by_code() -> set[str]:
    return {m for path in SERVICES.rglob("*.py") for m in NAMED.findall(path.read_text())}


def test_every_variable_the_code_names_is_listed_and_every_listed_one_is_read() -> None:
    found = _read_by_code()
    assert found, "the pattern finds the variables"
    assert sorted(found - set(ENV_VARS)) == [], "read by the code but missing from settings.ENV_VARS"
    assert sorted(set(ENV_VARS) - found) == [], "listed in settings.ENV_VARS but read nowhere"
    assert len(ENV_VARS) == len(set(ENV_VARS))

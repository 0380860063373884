"""README's HTTP API table names every operation the API serves, method and path, as the OpenAPI document
lists them (an endpoint nobody can find in the README does not exist for its users)."""

from __future__ import annotations

import re
from pathlib import Path

from services.api.app import create_app
from services.bootstrap import Container, load_codec
from services.common.db import make_engine
from services.common.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"
NOWHERE = "postgresql+psycopg2://nobody:nothing@127.0.0.1:1/none"  # never connected: the app is only built


def _operations() -> set[str]:
    container = Container(Settings(database_url=NOWHERE), make_engine(NOWHERE, "public"), load_codec())
    paths = create_app(container).openapi()["paths"]
    return {f"{method.upper()} {path}" for path, methods in paths.items() for method in methods}


def _table() -> str:
    text = README.read_text()
    start = text.index("## HTTP API")
    return text[start : text.index("\n\n", text.index("| endpoint |", start))]


def test_every_operation_of_the_openapi_document_is_a_row_of_readmes_api_table() -> None:
    named = set()
    for row in _table().splitlines()[2:]:
        endpoint = row.split(" | ")[0]
        named |= {m.group(1) for m in re.finditer(r"`((?:GET|POST|PUT|PATCH|DELETE) /[^`?\[ ]*)", endpoint)}
    assert _operations() - named == set()

"""The shared example payloads, loaded with exact decimals."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).parent / "examples"  # GSTN-shaped payloads with checksum-valid GSTINs


def example(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text(), parse_float=Decimal)

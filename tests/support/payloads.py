"""The shared example payloads, loaded with exact decimals."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from services.common.settings import PROJECT_ROOT

EXAMPLES = PROJECT_ROOT.parent / "shared" / "examples"
LOCAL_EXAMPLES = Path(__file__).parent / "examples"


def example(name: str) -> Any:
    """From the examples directory beside the checkout when present (as in CI), else the copy in ./examples."""
    path = EXAMPLES / name if (EXAMPLES / name).exists() else LOCAL_EXAMPLES / name
    return json.loads(path.read_text(), parse_float=Decimal)

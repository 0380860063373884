"""Progress of long CLI work on stderr (tqdm): done, rate and ETA, redrawn in place on a terminal and
written a line at a time otherwise (every 10 s), so a log keeps a record without a line per step."""

from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm


def bar(total: int | None, desc: str, unit: str, **options: Any) -> tqdm:  # type: ignore[type-arg]
    tty = sys.stderr.isatty()
    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        file=sys.stderr,
        mininterval=0.2 if tty else 10.0,
        dynamic_ncols=tty,
        ascii=not tty,
        **options,
    )

"""Failpoints for fault-injection tests: named places where a process can be made to die, or to stall, on
purpose.

Off unless `IMS_FAILPOINTS` names them (comma-separated); a hit ends the process at once, as SIGKILL
would, with no cleanup; a stall holds the process there for a few seconds, so that a test can act while a
slow step is under way without making the step slow with data. Production never sets the variable.
"""

from __future__ import annotations

import os
import time


def hit(name: str) -> None:
    if name in os.environ.get("IMS_FAILPOINTS", "").split(","):
        os._exit(137)


def stall(name: str, seconds: float = 5.0) -> None:
    if name in os.environ.get("IMS_FAILPOINTS", "").split(","):
        time.sleep(seconds)

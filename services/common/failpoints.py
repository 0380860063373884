"""Failpoints for fault-injection tests: named places where a process can be made to die on purpose.

Off unless `IMS_FAILPOINTS` names them (comma-separated); a hit ends the process at once, as SIGKILL
would, with no cleanup. Production never sets the variable.
"""

from __future__ import annotations

import os


def hit(name: str) -> None:
    if name in os.environ.get("IMS_FAILPOINTS", "").split(","):
        os._exit(137)

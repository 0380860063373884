"""The ports a handler takes: what it needs of the process's wiring, named structurally.

`services/bootstrap.py` builds the concrete `Container` (settings, a pooled engine, the Avro codec) and the
entrypoints hand it in; a handler, a view or a router annotates the ports it uses with `Ports` and never
imports the wiring. A test may hand in anything with these three attributes.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Engine

from services.common.codec import Codec
from services.common.settings import Settings


class Ports(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def engine(self) -> Engine: ...

    @property
    def codec(self) -> Codec: ...

"""The GSTR-2B walk and the other amendment sections: these files were one module, and share its one live stack."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="package")
def live_stack(start_live_stack):  # type: ignore[no-untyped-def]
    with start_live_stack() as stack:
        yield stack

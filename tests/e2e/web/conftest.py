"""The web dashboard in a real browser: headless Chromium (Debian's chromium and chromedriver) via Selenium,
against the real processes of `ims up` (LiveStack). Without the browser the tests fail, naming the install
command; they never skip."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.web.browser import binaries, start_chromium


@pytest.fixture(scope="package")
def live_stack(start_live_stack):  # type: ignore[no-untyped-def]
    with start_live_stack() as stack:
        yield stack


@pytest.fixture(scope="session")
def chromium_installed() -> None:
    binaries()  # raises, naming `apt-get install -y chromium chromium-driver`, when either is missing


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(chromium_installed: None, downloads: Path) -> Iterator[Any]:
    driver = start_chromium(downloads)
    try:
        yield driver
    finally:
        driver.quit()

"""Without chromium and chromedriver the web dashboard's browser tests fail, naming the install command; they
never skip (tests/e2e/web/conftest.py, `chromium_installed`)."""

from __future__ import annotations

import shutil

import pytest

from tests.support.web import browser


def test_a_missing_browser_fails_with_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/chromedriver" if name == "chromedriver" else None)
    with pytest.raises(RuntimeError) as failure:
        browser.binaries()
    assert "need chromium (Debian packages); install them with: apt-get install -y chromium chromium-driver" in str(
        failure.value
    )


def test_ci_installs_the_browser_when_it_is_absent() -> None:
    lines = [line.strip() for line in (browser.ROOT / ".ci" / "run").read_text().splitlines()]
    install = next(n for n, line in enumerate(lines) if "apt-get install -y chromium chromium-driver" in line)
    assert install < lines.index("make test")

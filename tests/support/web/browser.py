"""Headless Chromium driven by Selenium for the web dashboard's tests, with Debian's chromium and chromedriver.

Missing browser binaries fail the tests (never skip them) with the command that installs them. Screenshots go
to tests/artifacts/web/ (git-ignored) and are checked non-blank; `axe_violations` runs axe-core (committed
beside this file, from the npm package axe-core) inside the page.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from PIL import Image, ImageStat

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "tests" / "artifacts" / "web"
AXE = Path(__file__).resolve().parent / "axe.min.js"
INSTALL = "apt-get install -y chromium chromium-driver"
WIDTH, HEIGHT = 1280, 900


def binaries() -> tuple[str, str]:
    """(chromium, chromedriver), or a failure naming what is missing and how to install it."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    missing = [name for name, path in (("chromium", chromium), ("chromedriver", driver)) if path is None]
    if missing:
        raise RuntimeError(
            f"the browser tests need {' and '.join(missing)} (Debian packages); install them with: {INSTALL}"
        )
    assert chromium and driver
    return chromium, driver


def start_chromium(downloads: Path) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver = binaries()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        "--no-sandbox",  # root in CI and on our machines
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={WIDTH},{HEIGHT}",
        "--lang=en-IN",
        "--no-first-run",
        "--disable-extensions",
    ):
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "safebrowsing.enabled": False,
        },
    )
    browser = webdriver.Chrome(options=options, service=Service(executable_path=driver))
    browser.set_page_load_timeout(60)
    browser.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    return browser


def screenshot(browser: Any, name: str) -> Path:
    """A full-page screenshot at 1280 px wide, checked non-blank: many colours and real contrast."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    height = int(browser.execute_script("return Math.max(document.body.scrollHeight, 600)"))
    browser.set_window_size(WIDTH, min(max(height + 120, HEIGHT), 4000))
    try:
        assert browser.save_screenshot(str(path)), f"{name}: no screenshot"
    finally:
        browser.set_window_size(WIDTH, HEIGHT)
    with Image.open(path) as image:
        rgb = image.convert("RGB")
        colours = rgb.getcolors(maxcolors=1 << 16)
        spread = ImageStat.Stat(rgb.convert("L")).stddev[0]
        assert rgb.width >= WIDTH - 20, f"{name}: {rgb.width} px wide"
    assert colours is None or len(colours) > 30, f"{name}: only {len(colours or [])} colours, the page looks blank"
    assert spread > 10, f"{name}: grey-level spread {spread:.1f}, the page looks blank"
    return path


def axe_violations(browser: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's violations of the page at these impacts, each as `rule: help (n nodes: selectors)`."""
    if not browser.execute_script("return typeof window.axe === 'object'"):
        browser.execute_script(AXE.read_text())
    found = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))))"
        ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));"
    )
    return [f"{v['id']}: {v['help']} ({', '.join(v['nodes'])})" for v in found if v["impact"] in impacts]


def downloaded(folder: Path, suffix: str) -> Iterator[Path]:
    """Finished downloads with this suffix (Chromium writes `.crdownload` until a file is complete)."""
    return (p for p in folder.glob(f"*{suffix}") if not p.name.endswith(".crdownload"))

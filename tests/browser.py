"""Headless Chromium for the tests that look at what a user sees (HTML report, chat widget).

Debian's Chromium (`/usr/bin/chromium`, or `VFTEST_CHROMIUM`) driven by Playwright from PyPI
through `executable_path`: no browser is ever downloaded. Where the browser or Playwright is
missing the tests skip with the reason, except when `VFTEST_REQUIRE_BROWSER=1` (CI sets it):
then a missing browser fails them, so CI cannot go green by skipping what it must check.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

ARTEFACTS = Path(__file__).parent / "artefacts"
"""Screenshots taken by browser tests (git-ignored; CI may keep them)."""


def chromium_path() -> str | None:
    """The system Chromium to drive, or None when there is none."""
    configured = os.environ.get("VFTEST_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _unavailable(reason: str) -> None:
    if os.environ.get("VFTEST_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser test required (VFTEST_REQUIRE_BROWSER=1) but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium (Playwright `Browser`) shared by one module's browser tests.

    Module scope, not session: Playwright's sync API keeps an event loop running in this
    thread while it is open, and the asyncio tests that follow need to start their own.
    Keep browser tests in modules of their own.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[dev]')")
    executable = chromium_path()
    if executable is None:
        _unavailable("no system Chromium (apt-get install chromium, or set VFTEST_CHROMIUM)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page in its own context; closed after the test."""
    context = browser.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under tests/artefacts/ and return its path."""
    ARTEFACTS.mkdir(exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path

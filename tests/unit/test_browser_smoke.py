"""The shared browser fixture really drives the system Chromium (or says why it cannot)."""

from __future__ import annotations

from typing import Any

from tests.browser import screenshot


def test_browser_renders_a_page_and_takes_a_screenshot(page: Any) -> None:
    page.set_content("<button id=b onclick=\"this.textContent='clicked'\">click me</button>")
    page.click("#b")
    assert page.text_content("#b") == "clicked"
    shot = screenshot(page, "browser-smoke")
    assert shot.stat().st_size > 0

"""Voiceflow's own chat widget holds a conversation with the local runtime, in a real browser.

The widget is `@voiceflow/react-chat` from npm (`.ci/fetch-widget` puts its bundle in
tests/.widget), configured as Voiceflow's docs show with `url` pointing at `vftest serve
--public`. Headless Debian Chromium opens the page, opens the chat, presses a button, types a
question, and the agent's replies must appear in the widget.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import screenshot
from vftest.runtime.app import create_app
from vftest.runtime.options import RuntimeOptions
from vftest.runtime.project import load_project
from vftest.runtime.server import RunningServer

ROOT = Path(__file__).parents[2]
BUNDLE = ROOT / "tests" / ".widget" / "package" / "dist" / "bundle.mjs"
AGENT = ROOT / "suites" / "agents" / "support.vfr"

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>shop</title></head>
<body>
<h1>Acme shop</h1>
<script src="bundle.mjs"></script>
<script>
  window.voiceflow.chat.load({
    verify: { projectID: "%(project)s" },
    url: "%(url)s",
    versionID: "development"
  });
</script>
</body></html>
"""


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """A page with the widget, served from 127.0.0.1, talking to a local runtime.

    Yields the page's URL and the paths the runtime was asked for.
    """
    if not BUNDLE.exists():
        reason = "Voiceflow's widget is not here: run .ci/fetch-widget (npm)"
        if os.environ.get("VFTEST_REQUIRE_BROWSER") == "1":
            pytest.fail(f"widget test required (VFTEST_REQUIRE_BROWSER=1) but {reason}")
        pytest.skip(reason)
    project = load_project(AGENT)
    asked: list[str] = []
    app = create_app(project, RuntimeOptions(public=True))

    async def observed(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            asked.append(f"{scope['method']} {scope['path']}")
        await app(scope, receive, send)

    with RunningServer(observed) as runtime:
        shutil.copy(BUNDLE, tmp_path / "bundle.mjs")
        page = PAGE % {"project": project.project_id, "url": runtime.url}
        (tmp_path / "index.html").write_text(page, encoding="utf-8")
        handler = functools.partial(_QuietHandler, directory=str(tmp_path))
        static = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=static.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{static.server_address[1]}/index.html", asked
        finally:
            static.shutdown()
            static.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


def test_the_widget_talks_to_the_local_runtime(shop: tuple[str, list[str]], page: Any) -> None:
    url, asked = shop
    page.goto(url)
    page.locator("#voiceflow-chat button").first.click()  # the launcher
    # Playwright's locators reach into the widget's shadow DOM.
    page.get_by_text("Hi there! Welcome to Acme Support.").wait_for(timeout=15_000)
    page.get_by_text("How can I help you today?").wait_for()
    page.get_by_role("button", name="FAQ").click()
    page.get_by_text("Here are the questions we get most often:").wait_for(timeout=10_000)
    page.get_by_role("textbox").fill("how much is shipping")
    page.keyboard.press("Enter")
    page.get_by_text("Standard shipping costs $4.99", exact=False).wait_for(timeout=10_000)
    screenshot(page, "widget-conversation")
    interacts = [a for a in asked if a.startswith("POST /public/") and a.endswith("/interact")]
    assert len(interacts) == 3  # launch, the button, the typed question
    assert any(a.startswith("GET /public/") and a.endswith("/publishing") for a in asked)

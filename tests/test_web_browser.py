"""The dashboard in a real browser: Debian's headless Chromium driven by Playwright, against
``claimwatch web`` serving a real store on loopback. Scripts are off, as they may be for an
analyst: every step is a link or a form."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import FeedServer, HttpReceiver
from webstore import WebStore, build

from monitor.config import WebConfig
from monitor.web import WebServer

CHROMIUM = "/usr/bin/chromium"
# as root in a sandbox, with no network: no sandbox of its own, no GPU, no calls home
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

playwright_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip(
        f"no {CHROMIUM}: `apt-get install chromium` (.ci/run installs it)", allow_module_level=True
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, WebStore]]:
    directory = tmp_path_factory.mktemp("browser")
    with FeedServer() as feeds, HttpReceiver() as good, HttpReceiver(status=404) as bad:
        store = build(directory, feeds, good, bad)
    config = dataclasses.replace(store.config, web=WebConfig(listen="127.0.0.1:0"))
    server = WebServer(config)
    url = server.start()
    yield url.rstrip("/"), store
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_filter_open_follow_and_see_the_timeline(
    site: tuple[str, WebStore], browser: object, tmp_path: Path
) -> None:
    base, store = site
    context = browser.new_context(  # type: ignore[attr-defined]
        java_script_enabled=False, viewport={"width": 1400, "height": 1000}
    )
    page = context.new_page()
    try:
        page.goto(f"{base}/alerts")
        assert page.title() == "Alerts · claimwatch"
        everyone = page.locator("table.alerts tbody tr").count()
        # filter by an actor with the form
        page.select_option("select[name=actor]", "trump")
        page.click("form.filters button[type=submit]")
        page.wait_for_url(re.compile(r"/alerts\?.*actor=trump"))
        rows = page.locator("table.alerts tbody tr")
        assert 0 < rows.count() < everyone
        for n in range(rows.count()):
            assert rows.nth(n).locator("a.actor").inner_text() == "Donald Trump"
        # open the stance change
        change = rows.filter(has=page.locator(".k-stance-change"))
        change.locator("td.when a").click()
        page.wait_for_url(f"{base}/alerts/{store.alerts['troops-welcome']}")
        assert page.locator("section.quote .sentence mark.speaker").inner_text() == "Trump"
        assert page.locator("section.quote .sentence mark.cue").inner_text() == "said"
        assert "opposed → supportive" in page.locator("dl.facts").inner_text()
        # follow the link to the earlier claim
        page.click(".side.earlier a.claim-link")
        page.wait_for_url(re.compile(r"/claims/\d+$"))
        assert (
            "cautious about sending American troops" in page.locator("section.quote").inner_text()
        )
        assert page.locator(".sentence mark.speaker").first.inner_text() == "Donald Trump"
        # the actor's timeline
        page.click("a.actor >> nth=0")
        page.wait_for_url(f"{base}/actors/trump")
        figure = page.locator("figure#timeline")
        box = figure.bounding_box()
        assert box is not None and box["width"] > 900 and box["height"] > 150
        shot = tmp_path / "timeline.png"
        figure.screenshot(path=str(shot))
        width, height = _png_size(shot)
        assert width > 900 and height > 150
        # a bar is a link to the claims of its days
        page.locator("svg.timeline .lane a[href*='topic=foreign-troops']").first.click()
        page.wait_for_url(re.compile(r"/actors/trump\?topic=foreign-troops&since="))
        assert page.locator("#claims tbody tr").count() >= 1
        if os.environ.get("CLAIMWATCH_SHOTS"):  # keep them to look at
            shutil.copy(shot, Path(os.environ["CLAIMWATCH_SHOTS"]) / "test-timeline.png")
    finally:
        context.close()


def test_login_form_in_the_browser(site: tuple[str, WebStore], browser: object) -> None:
    """With a token: the login form sets the cookie, and the page asked for opens."""
    _, store = site
    token = "a-long-enough-token-for-tests"
    config = dataclasses.replace(store.config, web=WebConfig(listen="127.0.0.1:0", token=token))
    server = WebServer(config)
    base = server.start().rstrip("/")
    context = browser.new_context(java_script_enabled=False)  # type: ignore[attr-defined]
    page = context.new_page()
    try:
        page.goto(f"{base}/feeds")
        page.wait_for_url(re.compile(r"/login\?next=%2Ffeeds$"))
        page.fill("input[name=token]", "wrong-token-wrong-token")
        page.click("form.login button")
        assert "not right" in page.locator("form.login").inner_text()
        page.fill("input[name=token]", token)
        page.click("form.login button")
        page.wait_for_url(f"{base}/feeds")
        assert page.locator("table.feeds tbody tr").first.locator(".st-failing").count() == 1
    finally:
        context.close()
        server.stop()

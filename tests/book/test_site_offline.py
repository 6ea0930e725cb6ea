"""The built site loads nothing from outside itself (checked in a real browser).

Every HTML page of ``_build/html`` is opened in headless Chromium from a local HTTP
server; any request to another host is blocked and recorded. The test asserts: no
failed request, no request leaving localhost, no console error, every ``<img>`` loaded.
``make test`` builds the book first; run ``make book`` before running this file alone.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
from support import SITE, site_pages

from inoreport.cli import CHROMIUM_FLAGS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.slow

#: Messages the theme prints that are not errors of this site (TOOLCHAIN.md).
BENIGN_CONSOLE = ("Identifier 'THEBE_JS_URL' has already been declared", "Got invalid theme mode")


@pytest.fixture(scope="module")
def server():
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output readable
        pass


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise AssertionError(
            "Chromium is missing: `make test` installs it (apt-get install chromium)"
        )
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[f for f in CHROMIUM_FLAGS if f not in ("--headless", "--no-pdf-header-footer")],
        )
        yield b
        b.close()


def _record_error(text: str, sink: list[str]) -> None:
    if not any(benign in text for benign in BENIGN_CONSOLE):
        sink.append(text)


def _record_console(message, sink: list[str]) -> None:
    if message.type == "error":
        _record_error(message.text, sink)


def test_site_has_the_expected_pages():
    names = {p.relative_to(SITE).as_posix() for p in site_pages()}
    assert "book/intro.html" in names
    assert sum(n.startswith("notebooks/") for n in names) >= 5


def test_every_page_loads_offline_without_errors(server, browser):
    host = urlparse(server).netloc
    problems: list[str] = []
    context = browser.new_context()
    outside: list[str] = []

    def guard(route):
        url = route.request.url
        if urlparse(url).netloc == host or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", guard)
    for html in site_pages():
        rel = html.relative_to(SITE).as_posix()
        failed: list[str] = []
        console: list[str] = []
        outside.clear()
        page = context.new_page()
        page.on("requestfailed", lambda r, f=failed: f.append(f"{r.url} ({r.failure})"))
        page.on("console", lambda m, c=console: _record_console(m, c))
        page.on("pageerror", lambda e, c=console: _record_error(str(e), c))
        page.goto(f"{server}/{rel}", wait_until="load")
        page.wait_for_load_state("networkidle")
        broken_images = page.evaluate(
            "() => Array.from(document.images)"
            ".filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
        )
        page.close()
        for label, items in (
            ("left localhost", list(outside)),
            ("failed request", failed),
            ("console error", console),
            ("image not loaded", broken_images),
        ):
            problems += [f"{rel}: {label}: {item}" for item in items]
    context.close()
    assert not problems, "\n".join(problems)


def test_images_have_alt_text(server, browser):
    page = browser.new_page()
    missing = []
    for html in site_pages():
        rel = html.relative_to(SITE).as_posix()
        if not rel.startswith("notebooks/"):
            continue
        page.goto(f"{server}/{rel}", wait_until="load")
        missing += [
            f"{rel}: {src}"
            for src in page.evaluate(
                "() => Array.from(document.querySelectorAll('main img'))"
                ".filter(i => !(i.alt || '').trim()).map(i => i.src)"
            )
        ]
    page.close()
    assert not missing, "figures without alt text:\n" + "\n".join(missing)

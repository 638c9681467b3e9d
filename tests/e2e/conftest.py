from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import struct
import time
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import chromium_path, require

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    path = chromium_path()
    require(path is not None, "Debian Chromium (/usr/bin/chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": path,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"],
    }


@pytest.fixture
def page(page):
    """Every browser test also fails on a Content Security Policy violation the page reports (an inline script or
    style the policy blocked): the pages are tested under the real policy, not with it bypassed."""
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text else None)
    page.csp_blocked = blocked
    yield page
    assert not blocked, "Blocked by the Content Security Policy:\n" + "\n".join(blocked)


def check_accessibility(page, visited: list[str], *, same_document: bool = False) -> None:
    """Run axe-core on the page the last action led to; fail on any serious or critical violation.
    `same_document`: the page was checked already and has only changed in place (a new viewport width)."""
    require(AXE.exists(), "axe-core (npm ci)")
    # Evaluated through the browser's debugging protocol, which the page's CSP does not govern (a <script> tag
    # with axe's text inline would be refused by it, rightly).
    blocked = getattr(page, "csp_blocked", [])
    before = len(blocked)
    result = _axe_on_settled_document(page, same_document)
    del blocked[before:]  # axe's own probes (it sets style attributes on some pages) are not the page's doing
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    visited.append(page.url)
    shots = os.environ.get("PORTAL_SCREENSHOTS")
    if shots:  # for people reviewing the pages: a full-page screenshot of every page checked
        page.screenshot(path=str(Path(shots) / f"{len(visited):02d}.png"), full_page=True)
    assert not bad, f"axe-core on {page.url}:\n" + "\n".join(bad)


# Set on a document once axe has checked it. A test that clicks a link or a button and checks straight away can
# otherwise run axe on the page it is leaving: the old document is checked again, or the navigation tears it down
# mid-run ("Cannot read properties of null (reading 'documentElement')", "Execution context was destroyed").
_CHECKED = "__portalAxeChecked"
_NEW_DOCUMENT_WAIT_S = 3.0


def _axe_on_settled_document(page, same_document: bool):
    """Wait for the document the last action led to, fully loaded, then run axe on it. If the previous check's
    document is still showing after a few seconds, nothing navigated and this is a second check of the same page
    (after a script changed it): it is checked again. A navigation that starts mid-run is waited for and the new
    document checked."""
    deadline = time.monotonic() + (0 if same_document else _NEW_DOCUMENT_WAIT_S)
    give_up = time.monotonic() + 30
    for run in range(1, 6):
        while (state := _document_state(page)) != "ready" and not (state == "checked" and time.monotonic() >= deadline):
            if time.monotonic() > give_up:
                raise AssertionError(f"the page at {page.url} did not finish loading in 30 s")
            time.sleep(0.05)
        try:
            page.evaluate(f"window.{_RUN} = {run}")
            page.evaluate(AXE.read_text(encoding="utf-8"))
            result = page.evaluate(
                "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
                "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"
            )
            if page.evaluate(f"window.{_RUN} === {run} && document.readyState === 'complete'"):  # one document
                page.evaluate(f"window.{_CHECKED} = true")
                return result
        except PlaywrightError as error:
            if not _NAVIGATED.search(str(error)):
                raise
        page.wait_for_load_state("load")
        deadline = time.monotonic()  # a navigation happened: whatever shows once it settles is the new page
    raise AssertionError(f"the page at {page.url} kept navigating; axe-core could not run on it")


_RUN = "__portalAxeRun"
_NAVIGATED = re.compile(r"documentElement|Execution context was destroyed|navigat|Target closed|frame was detached",
                        re.IGNORECASE)


def _document_state(page) -> str:
    try:
        return page.evaluate(f"document.readyState !== 'complete' ? 'loading' : window.{_CHECKED} ? 'checked' : 'ready'")
    except PlaywrightError:  # torn down by a navigation between two looks
        return "loading"


def totp_now(secret: str) -> str:
    """RFC 6238 code (SHA-1, 30 s, 6 digits), as an authenticator app would show it."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    if 30 - time.time() % 30 < 5:  # too close to the next window: the code could expire in flight
        time.sleep(30 - time.time() % 30 + 0.5)
    counter = struct.pack(">Q", int(time.time()) // 30)
    digest = hmac.new(key, counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"

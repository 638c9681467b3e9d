from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
import time
from pathlib import Path

import pytest

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


def check_accessibility(page, visited: list[str]) -> None:
    """Run axe-core on the current page; fail on any serious or critical violation."""
    require(AXE.exists(), "axe-core (npm ci)")
    # Evaluated through the browser's debugging protocol, which the page's CSP does not govern (a <script> tag
    # with axe's text inline would be refused by it, rightly).
    blocked = getattr(page, "csp_blocked", [])
    before = len(blocked)
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"
    )
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

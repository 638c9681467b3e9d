"""Reading pages in tests: parse only what rendered, and tell a finished form from a refused one.

Views redirect to the object's page both when a form is done and when the action was refused (with an
error banner instead of a success banner), so a 302 alone proves nothing: `done` follows the redirect and
checks the success banner.
"""

from __future__ import annotations

from bs4 import BeautifulSoup


def parsed(response, status: int = 200) -> BeautifulSoup:
    """The page, parsed, once it is known to have rendered with `status`."""
    assert response.status_code == status, f"{response.status_code} from {response.wsgi_request.path}"
    return BeautifulSoup(response.content, "html.parser")


def text(response) -> str:
    """The words of the page's main content, once it rendered (200)."""
    return parsed(response).main.get_text(" ", strip=True)


def banners(soup: BeautifulSoup) -> dict[str, list[str]]:
    """The flash messages on a page: success, and the rest (errors and notices)."""
    found = {"success": [], "other": []}
    for banner in soup.select(".govuk-notification-banner"):
        kind = "success" if "govuk-notification-banner--success" in banner["class"] else "other"
        found[kind].append(banner.select_one(".govuk-notification-banner__content").get_text(" ", strip=True))
    return found


def done(response, to: str, says: str) -> BeautifulSoup:
    """`response` was posted with follow=True: it redirected once, to `to`, which rendered and says `says` in
    a success banner (and shows no error banner)."""
    assert [url for url, _ in response.redirect_chain] == [to], response.redirect_chain
    soup = parsed(response)
    shown = banners(soup)
    assert not shown["other"], shown["other"]
    assert any(says in message for message in shown["success"]), shown["success"]
    return soup


def table_rows(soup: BeautifulSoup, caption: str) -> list[list[str]]:
    """The body rows (cell texts) of the table whose caption starts with `caption`."""
    for table in soup.select("table"):
        if table.caption and table.caption.get_text(" ", strip=True).startswith(caption):
            return [[cell.get_text(" ", strip=True) for cell in row.select("th, td")] for row in table.select("tbody tr")]
    raise AssertionError(f"No table captioned {caption!r}")


def list_after(soup: BeautifulSoup, heading: str) -> list[str]:
    """The items of the first list after the heading whose text is `heading`."""
    found = soup.find(["h2", "h3"], string=heading)
    assert found is not None, f"No heading {heading!r}"
    return [li.get_text(" ", strip=True) for li in found.find_next("ul").select("li")]

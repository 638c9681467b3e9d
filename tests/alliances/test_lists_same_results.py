"""The directory's lists show the rows they showed before the work on speed (issue 17), on the demo data.

`lists_before.json` holds, for each list and query below, the count line and every row's text in order, read from
the pages of the code before that work. The queries cover the default order, a second page, each sort, search by
name and by postcode, the filters and an LA officer's narrower view, so an index, a narrower join or a rewritten
select that changed a row, its order or the count fails here. The demo data is built from fixed dates and a seeded
generator, so the rows do not move with the day the test runs, but for one: the demo's leader whose designation
review is overdue is due 14 days before today (`leadership/quality/demo.py`), written `{overdue review}` in the
file (their place in a list sorted by review date holds while that day is between 1 September 2026 and 2027)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scopes_disabled

from portal.accounts.models import User
from portal.formats import date_text

BEFORE = Path(__file__).parent / "lists_before.json"
SLUG = "cambridgeshire"

# (who, list, query): the broker sees every school; the LA officer only their local authorities'.
CASES = [
    ("broker", "schools", ""),
    ("broker", "schools", "page=2"),
    ("broker", "schools", "phase=primary&sort=-pupils"),
    ("broker", "schools", "sort=la"),
    ("broker", "schools", "sort=-ofsted"),
    ("broker", "schools", "sort=urn&status=closed"),
    ("broker", "schools", "q=academy"),
    ("broker", "schools", "q=cb23+7bd"),
    ("broker", "schools", "q=CB237BD"),
    ("broker", "schools", "partnership=member"),
    ("broker", "schools", "partnership=none&phase=secondary"),
    ("broker", "schools", "ofsted_grade=1&sort=-pupils"),
    ("la-officer", "schools", ""),
    ("la-officer", "schools", "q=primary&sort=-pupils"),
    ("broker", "system-leaders", ""),
    ("broker", "system-leaders", "phase=phase_primary&sort=review"),
    ("broker", "system-leaders", "sort=-capacity"),
    ("broker", "system-leaders", "designation=NLE"),
    ("broker", "system-leaders", "status=active&sort=designation"),
    ("broker", "system-leaders", "q=primary"),
    ("la-officer", "system-leaders", ""),
    ("broker", "clusters", ""),
    ("broker", "clusters", "sort=-size"),
    ("la-officer", "clusters", ""),
]

ROW = re.compile(r'<tr class="govuk-table__row">(.*?)</tr>', re.S)
COUNT = re.compile(r'<p class="govuk-body" role="status">(.*?)</p>', re.S)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def list_rows(client, path: str) -> dict:
    """The count line and each body row's text, in order, of one list page."""
    response = client.get(path)
    assert response.status_code == 200, path
    html = response.content.decode()
    count = COUNT.search(html)
    body = html.split('<tbody class="govuk-table__body">', 1)
    rows = [_text(row) for row in ROW.findall(body[1])] if len(body) == 2 else []
    return {"count": _text(count.group(1)) if count else "", "rows": rows}


def read_lists(client, settings) -> dict:
    overdue = date_text(timezone.localdate() - timedelta(days=14))
    found = {}
    users = {}
    for who, name, query in CASES:
        if who not in users:
            with scopes_disabled():
                users[who] = User.objects.get(email=f"{who}@{settings.DEMO_EMAIL_DOMAIN}")
        client.force_login(users[who])
        key = f"{who} /{name}/?{query}"
        rows = list_rows(client, f"/p/{SLUG}/{name}/" + (f"?{query}" if query else ""))
        found[key] = {**rows, "rows": [row.replace(overdue, "{overdue review}") for row in rows["rows"]]}
    return found


@pytest.mark.django_db
def test_the_directory_lists_show_the_rows_they_showed_before(client, settings):
    call_command("seed_demo", "--quiet-sign-ins")
    settings.MFA_EXEMPT_DEMO_USERS = True
    before = json.loads(BEFORE.read_text())
    found = read_lists(client, settings)
    assert set(found) == set(before)
    for key, expected in before.items():
        assert found[key] == expected, key
    # The cases are not empty by accident: searches, filters and both people find rows.
    assert sum(1 for value in before.values() if value["rows"]) >= len(CASES) - 2

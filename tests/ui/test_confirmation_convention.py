"""Convention: nothing destructive happens on one click. A warning button or a form posting to a withdraw,
delete, deactivate, stop or decline address lives only on the shared confirmation page; object pages link to it."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
FORM = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>.*?</form>", re.IGNORECASE | re.DOTALL)
DESTRUCTIVE_ACTION = re.compile(r"action=\"[^\"]*(withdraw|delete|deactivate|stop|decline)", re.IGNORECASE)


def test_destructive_actions_post_only_from_the_confirmation_page():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        if path == TEMPLATES / "portal" / "confirm.html" or "admin" in path.parts:
            continue
        for form in FORM.findall(path.read_text()):
            opening = form.split(">", 1)[0]
            if "govuk-button--warning" in form or DESTRUCTIVE_ACTION.search(opening):
                offenders.append(f"{path.relative_to(TEMPLATES)}: {opening[:120]}")
    assert not offenders, "Link to a confirmation page (portal.ui.confirm) instead:\n" + "\n".join(offenders)


def test_the_convention_finds_a_one_click_withdraw():
    sample = '<form method="post" action="{% url \'x:request_withdraw\' 1 %}"><button>Withdraw</button></form>'
    assert DESTRUCTIVE_ACTION.search(FORM.findall(sample)[0].split(">", 1)[0])

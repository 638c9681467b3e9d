"""The layout's header and footer rendered once for the values they show (`{% layout_part %}`, portal/ui/layout.py)
are the same HTML as the plain includes, for every kind of page: signed out, outside a partnership (staff or not),
inside one with or without a contact address, with and without unread notifications; and the unread count is read
only when the menu shows it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.template import Context, engines

INCLUDED = '{% include "includes/header.html" %}|{% include "includes/footer.html" %}'
PARTS = '{% layout_part "includes/header.html" %}|{% layout_part "includes/footer.html" %}'


def _menu(*labels, active=None):
    return [{"label": label, "url": f"/p/a-b/{index}/", "active": label == active} for index, label in enumerate(labels)]


class _Count:
    def __init__(self, value):
        self.value, self.calls = value, 0

    def __call__(self):
        self.calls += 1
        return self.value


def _never():
    raise AssertionError("the unread count was read although the menu does not show it")


SIGNED_IN = SimpleNamespace(is_authenticated=True, is_staff=False)
STAFF = SimpleNamespace(is_authenticated=True, is_staff=True)
ANONYMOUS = SimpleNamespace(is_authenticated=False, is_staff=False)
WITH_EMAIL = SimpleNamespace(slug="a-b", name="Alpha & <Beta>", contact_email="hello@example.org")
WITHOUT_EMAIL = SimpleNamespace(slug="a-b", name="Alpha", contact_email="")

CASES = {
    "nothing at all": {},
    "signed out": {"site_name": "Portal", "user": ANONYMOUS, "partnership": None},
    "outside a partnership": {"site_name": "Portal", "user": SIGNED_IN, "partnership": None, "can_switch": True},
    "staff outside a partnership": {"site_name": "Portal", "user": STAFF, "partnership": None},
    "staff inside a partnership": {"site_name": "Portal", "user": STAFF, "partnership": WITHOUT_EMAIL,
                                   "navigation": _menu("Home", "Members", active="Members")},
    "member with unread": {"site_name": "Portal", "user": SIGNED_IN, "partnership": WITH_EMAIL, "can_switch": False,
                           "navigation": _menu("Home", "Notifications", "Clusters", active="Notifications"),
                           "unread_count": _Count(3)},
    "member with a large unread count": {"site_name": "Portal", "user": SIGNED_IN, "partnership": WITH_EMAIL,
                                         "navigation": _menu("Home", "Notifications"), "unread_count": 1234},
    "member with none unread": {"site_name": "Portal", "user": SIGNED_IN, "partnership": WITHOUT_EMAIL,
                                "navigation": _menu("Home", "Notifications", active="Home"),
                                "unread_count": _Count(0), "can_switch": True},
    "menu without notifications": {"site_name": "Portal", "user": SIGNED_IN, "partnership": WITHOUT_EMAIL,
                                   "navigation": _menu("Home", "Requests", active="Requests"),
                                   "unread_count": _never},
    "no site name": {"user": SIGNED_IN, "partnership": WITH_EMAIL, "navigation": _menu("Home")},
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_layout_part_is_the_include_it_stands_for(name):
    engine = engines["django"].engine
    included = engine.from_string(INCLUDED).render(Context(CASES[name]))
    for _ in range(2):  # rendered, then from the store
        assert engine.from_string(PARTS).render(Context(CASES[name])) == included


def test_the_unread_count_is_read_at_most_once_a_page():
    count = _Count(5)
    context = {**CASES["member with unread"], "unread_count": count}
    html = engines["django"].engine.from_string(PARTS).render(Context(context))
    assert "(5 unread)" in html
    assert count.calls == 1


@pytest.mark.django_db
def test_a_page_without_a_form_sends_no_csrf_cookie(client):
    """The title's "Error: " check looks at every value of the context, but leaves the lazy CSRF token alone:
    evaluating it would send the CSRF cookie with every page. A page with a form still sends it."""
    assert "csrftoken" not in client.get("/accessibility/").cookies
    assert "csrftoken" in client.get("/account/login/").cookies


def test_the_layouts_static_files_are_the_static_tags_addresses(settings):
    engine = engines["django"].engine
    names = ["app.css", "js/app.js", "govuk/assets/images/favicon.ico"]
    for static_url in ["/static/", "/elsewhere/"]:
        settings.STATIC_URL = static_url  # a change of setting forgets the stored addresses
        for name in names:
            plain = engine.from_string(f"{{% load static %}}{{% static '{name}' %}}").render(Context())
            assert engine.from_string(f"{{% layout_static '{name}' %}}").render(Context()) == plain
            assert plain.startswith(static_url)

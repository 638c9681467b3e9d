"""Issue 19's accessibility fixes in a real browser, on the demo data (`manage.py seed_demo`), with axe-core.

* Reflow at 320 CSS px (WCAG 1.4.10): long addresses wrap, and every data table scrolls in its own
  focusable, labelled region instead of widening the page.
* Every form's error state starts the page title with "Error: ", however the page names its form.
* The platform operators' pages (Django admin and /platform/imports/) pass axe-core too.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from deployments.demo import MARKER
from deployments.models import SupportRequest
from portal.accounts.models import User
from portal.notifications.models import Notification
from portal.tenancy.models import Partnership
from tests.e2e.conftest import check_accessibility

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo-portal-2026"
NARROW = {"width": 320, "height": 800}


@pytest.fixture
def demo(settings):
    settings.MFA_EXEMPT_DEMO_USERS = True  # demo users sign in with a password only, as in `make run`
    call_command("seed_demo", "--quiet-sign-ins")


def sign_in(page, base: str, who: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/account/login/")
    page.get_by_label("Email").fill(f"{who}@{settings.DEMO_EMAIL_DOMAIN}")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert "/account/login/" not in page.url, page.locator("main").inner_text()[:300]


def assert_reflows(page) -> None:
    """Nothing scrolls sideways but a table's own region, and each table's region is named and reachable."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROW["width"], f"{page.url} is {width} px wide at {NARROW['width']}"
    tables = page.evaluate("""() => [...document.querySelectorAll('main table')].map(table => {
        const region = table.closest('.app-table-scroll[role=region]');
        if (!region) return {bare: table.caption ? table.caption.textContent : table.outerHTML.slice(0, 80)};
        const named = region.getAttribute('aria-labelledby');
        return {
            name: named ? document.getElementById(named).textContent.trim() : region.getAttribute('aria-label'),
            scrolls: region.scrollWidth > region.clientWidth,
            focusable: region.tabIndex === 0,
        };
    })""")
    for table in tables:
        assert "bare" not in table, f"a table outside a scrolling region on {page.url}: {table}"
        assert table["name"], f"an unnamed table region on {page.url}"
        if table["scrolls"]:
            assert table["focusable"], f"keyboard users cannot scroll {table['name']!r} on {page.url}"


def test_account_and_list_pages_reflow_at_320_px(page, live_server, demo):
    base, visited = live_server.url, []
    page.set_viewport_size(NARROW)
    pages = {
        "headteacher": ["/account/email/", "/p/cambridgeshire/", "/p/cambridgeshire/requests/",
                        "/p/cambridgeshire/deployments/"],
        "system-leader": ["/p/cambridgeshire/", "/p/cambridgeshire/offers/"],
        "broker": ["/p/cambridgeshire/schools/", "/p/cambridgeshire/system-leaders/", "/p/cambridgeshire/clusters/",
                   "/p/cambridgeshire/deployments/", "/p/cambridgeshire/requests/", "/p/cambridgeshire/term-dates/",
                   "/p/cambridgeshire/alliances/", "/p/cambridgeshire/dashboards/",
                   "/p/cambridgeshire/leadership/recruitment/", "/p/cambridgeshire/leadership/applications/",
                   "/p/cambridgeshire/leadership/talent-pool/"],
        "admin": ["/p/cambridgeshire/members/", "/p/cambridgeshire/activity/"],
        "la-officer": ["/p/cambridgeshire/schools/"],
    }
    for who, paths in pages.items():
        sign_in(page, base, who)
        for path in paths:
            page.goto(f"{base}{path}")
            assert_reflows(page)
            check_accessibility(page, visited)
        if who == "broker":  # a system leader's page and a deployment's, reached as a broker would
            for link in ("/p/cambridgeshire/system-leaders/", "/p/cambridgeshire/deployments/"):
                page.goto(f"{base}{link}")
                page.locator("main tbody a.govuk-link").first.click()
                assert_reflows(page)
                check_accessibility(page, visited)

    # The example: the headteacher's own address, 334 px long in one word, wraps inside its label.
    sign_in(page, base, "headteacher")
    page.goto(f"{base}/account/email/")
    label = page.get_by_text(f"headteacher@{settings.DEMO_EMAIL_DOMAIN}")
    box = label.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= NARROW["width"]


def test_a_wide_table_scrolls_in_its_region_by_keyboard(page, live_server, demo):
    base, visited = live_server.url, []
    page.set_viewport_size(NARROW)
    sign_in(page, base, "admin")
    page.goto(f"{base}/p/cambridgeshire/activity/")
    region = page.get_by_role("region", name="Changes, newest first")
    assert region.evaluate("r => r.scrollWidth > r.clientWidth")
    region.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("r => r.scrollLeft > 0", arg=region.element_handle(), timeout=5000)  # scrolls smoothly
    check_accessibility(page, visited)

    # At desktop width the same table fits: its region is still named, but is no extra Tab stop.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.reload()
    region = page.get_by_role("region", name="Changes, newest first")
    assert region.get_attribute("tabindex") is None
    check_accessibility(page, visited)


def test_every_forms_error_state_starts_the_title_with_error(page, live_server, demo):
    base, visited = live_server.url, []
    with scopes_disabled():
        triaged = SupportRequest.objects.filter(partnership__slug="cambridgeshire", status="triaged") \
            .exclude(context=MARKER).get()

    # The offer form on the matching page: no leader ticked.
    sign_in(page, base, "broker")
    page.goto(f"{base}/p/cambridgeshire/requests/{triaged.pk}/candidates/")
    assert not page.title().startswith("Error")
    page.get_by_role("button", name="Offer to the selected leaders").click()
    assert "Select at least one system leader" in page.locator(".govuk-error-summary").inner_text()
    assert page.title().startswith("Error: System leaders for "), page.title()
    check_accessibility(page, visited)

    # A filter form (GET) keeps its prefix, now from the base template.
    page.goto(f"{base}/p/cambridgeshire/system-leaders/?status=nonsense")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert page.title().startswith("Error: System leaders"), page.title()

    # allauth's password change: the current password is wrong.
    page.goto(f"{base}/account/password/change/")
    assert not page.title().startswith("Error")
    page.get_by_label("Current password").fill("not-my-password")
    page.get_by_label("New Password", exact=True).fill("a-new-long-passphrase-2026")
    page.get_by_label("New password (again)").fill("a-new-long-passphrase-2026")
    page.get_by_role("button", name="Change password").click()
    # Wait for the answer to the post before reading it: the click returns before the page loads.
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".govuk-error-message").first).to_be_visible()
    check_accessibility(page, visited)

    # allauth's password reset, signed out: not an email address.
    page.context.clear_cookies()
    page.goto(f"{base}/account/password/reset/")
    page.get_by_label("Email").fill("not an address")
    page.get_by_role("button", name="Reset my password").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".govuk-error-message").first).to_be_visible()
    check_accessibility(page, visited)

    # Sign-in keeps its prefix (it used to write it itself).
    page.goto(f"{base}/account/login/")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title(re.compile(r"^Error: Sign in"))
    assert not page.title().startswith("Error: Error")


def test_the_operators_pages_pass_axe(page, live_server, demo):
    base, visited = live_server.url, []
    with scopes_disabled():
        user = User.objects.get(email=f"admin@{settings.DEMO_EMAIL_DOMAIN}")
        partnership = Partnership.objects.get(slug="cambridgeshire")
        email = user.emailaddress_set.get()
        notification = Notification.objects.filter(channel="email").first()
    assert notification is not None, "the demo data sends emails"
    sign_in(page, base, "operator")
    paths = [
        "/admin/", "/admin/portal/", "/admin/auth/", "/admin/account/", "/admin/mfa/", "/admin/password_change/",
        "/admin/portal/user/", "/admin/portal/user/?is_staff__exact=1&o=-1", "/admin/portal/user/add/",
        f"/admin/portal/user/{user.pk}/change/", f"/admin/portal/user/{user.pk}/password/",
        f"/admin/portal/user/{user.pk}/history/", f"/admin/portal/user/{user.pk}/delete/",
        "/admin/portal/partnership/", "/admin/portal/partnership/?is_active__exact=1", "/admin/portal/partnership/add/",
        f"/admin/portal/partnership/{partnership.pk}/change/",
        "/admin/auth/group/", "/admin/auth/group/add/",
        "/admin/account/emailaddress/", "/admin/account/emailaddress/?verified__exact=1&o=1",
        f"/admin/account/emailaddress/{email.pk}/change/",
        "/admin/mfa/authenticator/", "/admin/mfa/authenticator/?type__exact=totp", "/admin/mfa/authenticator/add/",
        "/platform/imports/",
        "/admin/portal/notification/", "/admin/portal/notification/?state=failed",
        f"/admin/portal/notification/{notification.pk}/change/",
        "/admin/alliances/importjob/",
    ]
    for path in paths:
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{base}{path}")
        page.wait_for_load_state("load")  # the admin builds its pickers and calendars on load
        check_accessibility(page, visited)
        page.set_viewport_size(NARROW)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= NARROW["width"], f"{path} is {width} px wide at 320"
        check_accessibility(page, visited, same_document=True)

    # The split date and time inputs: a group named by the field, each input with its own label.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{base}/admin/portal/user/{user.pk}/change/")
    joined = page.get_by_role("group", name="Date joined:")
    assert joined.get_by_label("Date:").input_value()
    assert joined.get_by_label("Time:").input_value()
    # The pickers' search boxes are named by their magnifier icon, now an image with a name.
    expect(page.get_by_role("textbox", name="Type into this box to filter down the list of available groups.")).to_be_visible()

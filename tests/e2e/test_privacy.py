"""Personal data requests in a browser, with axe-core: a partnership admin downloads a member's data, an operator
downloads and erases a person's."""

from __future__ import annotations

import io
import zipfile

import pytest

from portal.accounts.models import User
from portal.tenancy.roles import Role
from tests.e2e.conftest import check_accessibility
from tests.e2e.test_directory import sign_in
from tests.factories import PartnershipFactory, UserFactory, make_member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(settings):
    settings.MFA_EXEMPT_DEMO_USERS = True  # these journeys are about personal data; MFA has its own journey
    partnership = PartnershipFactory(name="Cambridgeshire Teaching School Network", slug="cambridgeshire")
    admin = make_member(partnership, Role.ADMIN, mfa=False, user=UserFactory(email=f"admin@{settings.DEMO_EMAIL_DOMAIN}"))
    person = make_member(partnership, Role.HEADTEACHER, user=UserFactory(name="Sam Jones", email="sam@histon.example.org"))
    operator = UserFactory(is_staff=True, email=f"operator@{settings.DEMO_EMAIL_DOMAIN}")
    return partnership, admin, person, operator


def _download(page, button: str) -> set[str]:
    with page.expect_download() as info:
        page.get_by_role("button", name=button).click()
    return set(zipfile.ZipFile(io.BytesIO(open(info.value.path(), "rb").read())).namelist())


def test_an_admin_downloads_what_the_partnership_holds_about_a_member(page, live_server, world):
    partnership, admin, person, _ = world
    visited: list[str] = []
    sign_in(page, live_server.url, admin.user)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Members").click()
    page.get_by_role("link", name="Personal data requests").click()
    check_accessibility(page, visited)
    page.get_by_role("button", name="Find").click()
    assert "Enter a name or an email address" in page.locator(".govuk-error-summary").inner_text()
    check_accessibility(page, visited)
    page.get_by_label("Name or email address").fill("jones")
    page.get_by_role("button", name="Find").click()
    check_accessibility(page, visited)
    page.get_by_role("link", name="Sam Jones").click()
    check_accessibility(page, visited)
    names = _download(page, "Download their data")
    assert {"README.txt", "memberships.json", "memberships.csv", "audit_events.json"} <= names
    assert "email_addresses.json" not in names


def test_an_operator_downloads_then_erases_a_persons_data(page, live_server, world):
    _, _, person, operator = world
    visited: list[str] = []
    sign_in(page, live_server.url, operator)
    page.get_by_role("link", name="Personal data requests").click()
    check_accessibility(page, visited)
    page.get_by_label("Name or email address").fill("sam@histon")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name="Sam Jones").click()
    check_accessibility(page, visited)
    assert "email_addresses.json" in _download(page, "Download their data")
    page.get_by_role("button", name="Erase their personal data").click()
    check_accessibility(page, visited)
    page.get_by_role("button", name="Erase their personal data").click()
    erased = User.objects.get(pk=person.user.pk)
    assert f"They are now {erased.name}." in page.locator(".govuk-notification-banner").inner_text()
    assert not erased.is_active
    check_accessibility(page, visited)

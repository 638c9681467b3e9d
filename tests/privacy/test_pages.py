"""The personal data pages: platform operators find anyone, download and erase; a partnership's admins find their
own members and download what the partnership holds."""

from __future__ import annotations

import io
import zipfile

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.tenancy.models import Membership
from tests.factories import UserFactory, give_mfa
from tests.privacy.conftest import EMAIL

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator():
    user = UserFactory(is_staff=True, name="Olive Operator")
    give_mfa(user)
    return user


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def _zip_names(response) -> set[str]:
    return set(zipfile.ZipFile(io.BytesIO(response.content)).namelist())


def test_an_operator_finds_a_person_by_part_of_their_address(client, operator, person, django_assert_num_queries):
    client.force_login(operator)
    url = reverse("privacy:search")
    with django_assert_num_queries(6):  # session, user, the search (at most 50), and saving the session (3)
        response = client.get(url, {"q": "jones@histon"})
    links = [a["href"] for a in _soup(response).select("table a")]
    assert links == [reverse("privacy:person", kwargs={"pk": person.user.pk})]
    for n in range(60):
        UserFactory(email=f"pat{n}.jones@histon.example.org")
    with django_assert_num_queries(6):  # the same with 61 matches (50 shown)
        response = client.get(url, {"q": "jones@histon"})
    assert len(_soup(response).select("table a")) == 50
    assert "Nobody" in _soup(client.get(url, {"q": "nobody-like-this"})).select_one("#nobody-found").text


def test_a_search_too_short_is_explained(client, operator):
    client.force_login(operator)
    soup = _soup(client.get(reverse("privacy:search"), {"q": "a"}))
    assert soup.title.text.strip().startswith("Error:")
    assert "at least 2 characters" in soup.select_one(".govuk-error-summary").text


def test_the_person_page_offers_the_download_and_erasure(client, operator, person):
    client.force_login(operator)
    soup = _soup(client.get(reverse("privacy:person", kwargs={"pk": person.user.pk})))
    assert "visits" in [li.text for li in soup.select("#tables li")]
    assert soup.select_one(f"a[href='{reverse('privacy:erase', kwargs={'pk': person.user.pk})}']")


def test_an_operator_downloads_everything_and_it_is_audited(client, operator, person, partnership, other_partnership):
    client.force_login(operator)
    response = client.post(reverse("privacy:person", kwargs={"pk": person.user.pk}))
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith(f'attachment; filename="personal-data-{person.user.pk}-')
    assert response["Cache-Control"] == "no-store"
    assert {"README.txt", "account.json", "requests.csv", "visits.json", "audit_events.csv"} <= _zip_names(response)
    assert AuditEvent.objects.filter(action="privacy.exported").count() == 2


def test_erasure_is_confirmed_first_then_done(client, operator, person):
    client.force_login(operator)
    url = reverse("privacy:erase", kwargs={"pk": person.user.pk})
    soup = _soup(client.get(url))
    assert soup.h1.text.strip() == "Erase the personal data of Sam Jones?"
    assert "cannot sign in again" in soup.select_one("#what-happens").text
    assert User.objects.get(pk=person.user.pk).email == EMAIL  # nothing happened on GET
    response = client.post(url, follow=True)
    erased = User.objects.get(pk=person.user.pk)
    assert erased.name.startswith("Erased person ")
    assert response.redirect_chain[-1][0] == reverse("privacy:search")
    assert f"They are now {erased.name}." in _soup(response).select_one(".govuk-notification-banner").text
    again = _soup(client.get(reverse("privacy:person", kwargs={"pk": person.user.pk})))
    assert again.select_one("#erased") and not again.select_one(f"a[href='{url}']")
    # A second erasure is refused on the page, not with an error page.
    assert "already been erased" in _soup(client.post(url)).select_one(".govuk-error-summary").text


@pytest.mark.parametrize("name", ["privacy:search", "privacy:person", "privacy:erase"])
def test_the_platform_pages_are_for_operators_only(client, person, name):
    kwargs = {} if name == "privacy:search" else {"pk": person.user.pk}
    url = reverse(name, kwargs=kwargs)
    assert client.get(url).status_code == 302  # to sign in
    client.force_login(person.admin.user)
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert User.objects.get(pk=person.user.pk).email == EMAIL


def test_an_admin_finds_only_their_partnerships_members(client, person, partnership, other_partnership):
    stranger = UserFactory(name="Sam Jonesworth")
    Membership.objects.create(partnership=other_partnership, user=stranger, role="broker")
    client.force_login(person.admin.user)
    soup = _soup(client.get(reverse("privacy:members", kwargs={"partnership_slug": partnership.slug}), {"q": "sam"}))
    mine = Membership.objects.get(partnership=partnership, user=person.user)
    assert [a["href"] for a in soup.select("table a")] == [
        reverse("privacy:member", kwargs={"partnership_slug": partnership.slug, "pk": mine.pk})]


def test_an_admin_downloads_only_their_partnerships_data(client, person, partnership):
    mine = Membership.objects.get(partnership=partnership, user=person.user)
    client.force_login(person.admin.user)
    url = reverse("privacy:member", kwargs={"partnership_slug": partnership.slug, "pk": mine.pk})
    assert "Sam Jones" in _soup(client.get(url)).h1.text
    response = client.post(url)
    names = _zip_names(response)
    assert "visits.json" in names and "email_addresses.json" not in names
    assert list(AuditEvent.objects.filter(action="privacy.exported").values_list("partnership_id", flat=True)) == [
        partnership.pk]


def test_an_admin_cannot_reach_another_partnerships_member(client, person, partnership, other_partnership):
    theirs = Membership.objects.get(partnership=other_partnership, user=person.user)
    client.force_login(person.admin.user)
    url = reverse("privacy:member", kwargs={"partnership_slug": partnership.slug, "pk": theirs.pk})
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert not AuditEvent.objects.filter(action="privacy.exported").exists()


def test_other_roles_get_403(client, person, partnership):
    client.force_login(person.broker.user)
    assert client.get(reverse("privacy:members", kwargs={"partnership_slug": partnership.slug})).status_code == 403

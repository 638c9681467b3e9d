"""The school directory pages: filters, LA officers' limits, CSV export, adding schools, query counts."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled
from pytest_django.asserts import assertRedirects

from alliances.models import OfstedJudgement, PartnershipSchool, Phase, School, SchoolLink, Status
from portal.audit.models import AuditEvent
from tests.factories import LocalAuthorityFactory, SchoolFactory
from tests.pages import parsed


@pytest.fixture
def las(db):
    return LocalAuthorityFactory(code="873", name="Cambridgeshire"), LocalAuthorityFactory(code="307", name="Ealing")


@pytest.fixture
def schools(las):
    cambs, ealing = las
    return {
        "histon": SchoolFactory(urn="139087", name="Histon and Impington Junior School", la=cambs, postcode="CB24 9JA",
                                ofsted_grade=2, pupils=380),
        "old": SchoolFactory(urn="110751", name="Histon and Impington Junior School (old)", la=cambs,
                             status=Status.CLOSED, close_date=date(2012, 11, 30)),
        "comberton": SchoolFactory(urn="137049", name="Comberton Village College", la=cambs, phase=Phase.SECONDARY,
                                   postcode="CB23 7DU", ofsted_grade=1, pupils=1900),
        "ealing": SchoolFactory(urn="101929", name="Drayton Manor High School", la=ealing, phase=Phase.SECONDARY,
                                postcode="W7 1EU"),
        "formula": SchoolFactory(urn="999999", name="=HYPERLINK(\"http://x\")", la=cambs, phase=""),
    }


def _names(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return [a.get_text(strip=True) for a in soup.select("tbody a.govuk-link")]


def test_brokers_see_and_filter_every_school(client, broker, schools):
    client.force_login(broker.user)
    url = f"/p/{broker.partnership.slug}/schools/"
    assert len(_names(client.get(url))) == 5
    assert _names(client.get(url, {"q": "139087"})) == ["Histon and Impington Junior School"]
    assert _names(client.get(url, {"q": "cb23 7du"})) == ["Comberton Village College"]
    assert _names(client.get(url, {"phase": "secondary", "sort": "-pupils"})) == [
        "Comberton Village College", "Drayton Manor High School"]
    assert _names(client.get(url, {"la": "307"})) == ["Drayton Manor High School"]
    assert _names(client.get(url, {"status": "closed"})) == ["Histon and Impington Junior School (old)"]


def test_a_bad_filter_value_is_explained_not_a_500(client, broker, schools):
    client.force_login(broker.user)
    response = client.get(f"/p/{broker.partnership.slug}/schools/", {"phase": "university", "la": "abc"})
    assert response.status_code == 200
    summary = BeautifulSoup(response.content, "html.parser").select_one(".govuk-error-summary")
    assert summary is not None and "Choose one of the options in the list" in summary.get_text()


def test_la_officers_see_only_their_local_authorities(client, la_officer, schools):
    client.force_login(la_officer.user)
    slug = la_officer.partnership.slug
    names = _names(client.get(f"/p/{slug}/schools/"))
    assert "Drayton Manor High School" not in names and "Comberton Village College" in names
    assert client.get(f"/p/{slug}/schools/101929/").status_code == 404
    assert client.get(f"/p/{slug}/schools/139087/").status_code == 200
    # Even asking for Ealing by filter gives nothing: the choice is not theirs.
    assert _names(client.get(f"/p/{slug}/schools/", {"la": "307"})) == []
    export = client.get(f"/p/{slug}/schools/export.csv")
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    exported = {row[1] for row in rows[1:]}
    assert {"Histon and Impington Junior School", "Comberton Village College"} <= exported  # their LA's schools
    assert "Drayton Manor High School" not in exported


def test_la_officers_cannot_change_the_directory(client, la_officer, schools):
    client.force_login(la_officer.user)
    response = client.post(f"/p/{la_officer.partnership.slug}/schools/139087/partnership/", {"is_member": "yes"})
    assert response.status_code == 403


def test_the_csv_export_follows_the_filters_and_defuses_formulas(client, broker, schools):
    client.force_login(broker.user)
    response = client.get(f"/p/{broker.partnership.slug}/schools/export.csv", {"la": "873"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["URN", "Name", "Local authority"]
    names = {row[1] for row in rows[1:]}
    assert "Drayton Manor High School" not in names
    assert "'=HYPERLINK(\"http://x\")" in names


def test_adding_a_school_by_urn_with_plain_errors(client, broker, schools):
    SchoolLink.objects.create(urn="110751", linked_urn="139087", linked_name="Histon and Impington Junior School",
                              link_type="Successor", established_on=date(2012, 11, 30))
    client.force_login(broker.user)
    url = f"/p/{broker.partnership.slug}/schools/add/"
    for urn, message in [("12345", "A URN is 6 digits"), ("123456", "No school has the URN 123456"),
                         ("110751", "Its successor is Histon and Impington Junior School, URN 139087")]:
        response = client.post(url, {"urn": urn})
        assert message in BeautifulSoup(response.content, "html.parser").select_one(".govuk-error-summary").get_text()
    response = client.post(url, {"urn": "139087"})
    assert response["Location"] == f"/p/{broker.partnership.slug}/schools/139087/partnership/"


def test_saving_membership_is_audited_and_dates_are_checked(client, broker, schools):
    client.force_login(broker.user)
    url = f"/p/{broker.partnership.slug}/schools/139087/partnership/"
    bad = client.post(url, {"is_member": "yes", "member_from": "1/9/2026", "member_to": "31/8/2026"})
    assert "The end of membership must be on or after its start" in bad.content.decode()
    saved = client.post(url, {"is_member": "yes", "member_from": "1/9/2026"})
    assertRedirects(saved, f"/p/{broker.partnership.slug}/schools/139087/", fetch_redirect_response=False)
    with scopes_disabled():
        link = PartnershipSchool.objects.get()
        assert link.is_member and link.member_from == date(2026, 9, 1)
        event = AuditEvent.objects.get(action="partnership_school.saved")
        assert event.new["member_from"] == "2026-09-01"
    page = client.get(f"/p/{broker.partnership.slug}/schools/", {"partnership": "member"})
    assert _names(page) == ["Histon and Impington Junior School"]


def test_the_school_page_shows_links_and_ofsted_history(client, broker, schools):
    SchoolLink.objects.create(urn="139087", linked_urn="110751", linked_name="Old junior", link_type="Predecessor")
    OfstedJudgement.objects.create(urn="139087", grade=2, inspected_on=date(2019, 5, 1))
    client.force_login(broker.user)
    soup = BeautifulSoup(client.get(f"/p/{broker.partnership.slug}/schools/139087/").content, "html.parser")
    assert soup.h1.get_text(strip=True) == "Histon and Impington Junior School"
    assert "Predecessor: Old junior" in soup.get_text(" ", strip=True)
    assert "1 May 2019" in soup.get_text() and "Good" in soup.get_text()


def _count(client, url):
    """The queries of one GET of `url`, and the page it rendered, parsed."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return len(ctx.captured_queries), parsed(response)


def _more_schools(la, start, n):
    School.objects.bulk_create([School(urn=str(start + i), name=f"School {i}", la=la) for i in range(n)])
    SchoolLink.objects.bulk_create([SchoolLink(urn="139087", linked_urn=str(start + i), link_type=f"Other {i}") for i in range(n)])
    OfstedJudgement.objects.bulk_create([OfstedJudgement(urn="139087", grade=3, inspected_on=date(2000 + i % 20, 1, 1 + i // 20)) for i in range(n)])


@pytest.mark.parametrize("role", ["broker", "la_officer"])
def test_directory_pages_use_a_fixed_number_of_queries(client, request, role, schools, las):
    member = request.getfixturevalue(role)
    client.force_login(member.user)
    slug = member.partnership.slug
    urls = [f"/p/{slug}/schools/", f"/p/{slug}/schools/?phase=primary&sort=-name", f"/p/{slug}/schools/139087/"]
    small = [_count(client, url)[0] for url in urls]
    _more_schools(las[0], 200000, 120)
    large, pages = zip(*(_count(client, url) for url in urls), strict=True)
    assert small == list(large)
    # The pages show the larger data: 120 more Cambridgeshire schools (no phase), 50 to a page (124 or 125 schools
    # in all, so three pages for either reader), and Histon's 120 new links.
    everything, primaries, histon = pages
    assert len(everything.select("tbody a.govuk-link")) == 50
    assert everything.select_one(".govuk-pagination [aria-current=page]")["aria-label"] == "Page 1 of 3"
    assert [a.get_text(strip=True) for a in primaries.select("tbody a.govuk-link")] == [
        "Histon and Impington Junior School (old)", "Histon and Impington Junior School"]
    histon_text = histon.main.get_text(" ", strip=True)
    assert all(f"Other {i}" in histon_text for i in range(120))

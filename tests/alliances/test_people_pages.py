"""System leaders, own profiles, clusters, alliances and specialisms through their pages."""

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

from alliances.models import Alliance, Cluster, School, Specialism, SystemLeader
from portal.audit.models import AuditEvent
from portal.tenancy.roles import Role
from tests.factories import (
    AllianceFactory,
    ClusterFactory,
    LocalAuthorityFactory,
    SchoolFactory,
    SystemLeaderFactory,
    default_specialisms,
    make_member,
)
from tests.factories.base import set_m2m
from tests.pages import parsed, text


@pytest.fixture
def setup(partnership):
    """Two Cambridgeshire schools and one in Ealing; Ada (an SLE at Histon, maths) and Ben (an NLE in Ealing); a
    cluster in each LA; CATSA led by Comberton."""
    cambs = LocalAuthorityFactory(code="873", name="Cambridgeshire")
    ealing = LocalAuthorityFactory(code="307", name="Ealing")
    histon = SchoolFactory(urn="139087", name="Histon and Impington Junior School", la=cambs, phase="")
    comberton = SchoolFactory(urn="137049", name="Comberton Village College", la=cambs, phase="")
    drayton = SchoolFactory(urn="101929", name="Drayton Manor High School", la=ealing, phase="")
    maths = default_specialisms(partnership)["Mathematics"]
    ada = SystemLeaderFactory(partnership=partnership, name="Ada Lovelace", email="ada@histon.example.org",
                              phone="01223 111111", home_school=histon, specialisms=[maths])
    SystemLeaderFactory(partnership=partnership, name="Ben Ealing", home_school=drayton, designation="NLE",
                        designated_on=date(2023, 9, 1), review_due=date(2027, 9, 1), phase_primary=False,
                        phase_secondary=True)
    ClusterFactory(partnership=partnership, name="North Cambridge", la=cambs)
    ClusterFactory(partnership=partnership, name="Acton", la=ealing)
    AllianceFactory(partnership=partnership, name="CATSA", leads=[comberton])
    return {"histon": histon, "comberton": comberton, "drayton": drayton, "maths": maths, "ada": ada}


def names(response, selector="tbody a.govuk-link"):
    return [a.get_text(strip=True) for a in BeautifulSoup(response.content, "html.parser").select(selector)]


def test_brokers_filter_system_leaders(client, broker, setup):
    client.force_login(broker.user)
    url = f"/p/{broker.partnership.slug}/system-leaders/"
    assert names(client.get(url)) == ["Ada Lovelace", "Ben Ealing"]
    assert names(client.get(url, {"designation": "NLE"})) == ["Ben Ealing"]
    assert names(client.get(url, {"specialism": setup["maths"].pk})) == ["Ada Lovelace"]
    assert names(client.get(url, {"phase": "phase_secondary"})) == ["Ben Ealing"]
    assert names(client.get(url, {"sort": "-review"})) == ["Ada Lovelace", "Ben Ealing"]
    detail = client.get(f"/p/{broker.partnership.slug}/system-leaders/{setup['ada'].pk}/").content.decode()
    assert "ada@histon.example.org" in detail and "Mathematics" in detail


def test_la_officers_see_leaders_in_their_las_without_contact_details(client, la_officer, setup):
    client.force_login(la_officer.user)
    slug = la_officer.partnership.slug
    assert names(client.get(f"/p/{slug}/system-leaders/")) == ["Ada Lovelace"]
    detail = text(client.get(f"/p/{slug}/system-leaders/{setup['ada'].pk}/"))
    assert "Ada Lovelace" in detail and "Mathematics" in detail
    assert "ada@histon.example.org" not in detail and "01223 111111" not in detail
    export = client.get(f"/p/{slug}/system-leaders/export.csv")
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert "Email" not in rows[0] and [r[0] for r in rows[1:]] == ["Ada Lovelace"]
    assert all("ada@" not in cell for row in rows for cell in row)
    assert names(client.get(f"/p/{slug}/clusters/")) == ["North Cambridge"]


def test_adding_a_system_leader_with_plain_errors_then_success(client, broker, setup):
    client.force_login(broker.user)
    url = f"/p/{broker.partnership.slug}/system-leaders/new/"
    data = {"name": "Cara Jones", "home_school": "999999", "designation": "LLE", "designated_on": "1/9/2026",
            "review_due": "1/9/2025", "status": "active", "capacity_days_per_term": "-1",
            "release_consent_by": "Mrs Head"}
    soup = BeautifulSoup(client.post(url, data).content, "html.parser")
    errors = [a.get_text(strip=True) for a in soup.select(".govuk-error-summary a")]
    assert "No school has the URN 999999. Check it in Get Information about Schools" in errors
    assert "Capacity cannot be negative" in errors
    assert "The review date must be on or after the designation date" in errors
    assert "Give both who consented to the release and when" in errors
    data.update(home_school="137049", review_due="", capacity_days_per_term="4.5", release_consent_on="1/8/2026",
                specialisms=[setup["maths"].pk], phases=["phase_secondary"])
    response = client.post(url, data)
    with scopes_disabled():
        cara = SystemLeader.objects.get(name="Cara Jones")
    assertRedirects(response, f"/p/{broker.partnership.slug}/system-leaders/{cara.pk}/", fetch_redirect_response=False)
    with scopes_disabled():
        assert cara.review_due == date(2030, 9, 1) and cara.phases == ["Secondary"]
        assert AuditEvent.objects.filter(object_id=str(cara.pk), action="system_leader.designation_changed").exists()


def test_a_broker_links_a_leader_to_a_system_leader_account_only(client, broker, partnership, setup):
    member = make_member(partnership, Role.SYSTEM_LEADER)
    head = make_member(partnership, Role.HEADTEACHER)
    client.force_login(broker.user)
    url = f"/p/{partnership.slug}/system-leaders/{setup['ada'].pk}/edit/"
    page = client.get(url).content.decode()
    assert member.user.email in page and head.user.email not in page
    data = {"name": "Ada Lovelace", "home_school": "139087", "designation": "SLE", "designated_on": "1/9/2024",
            "review_due": "1/9/2028", "status": "active", "capacity_days_per_term": "2", "user": head.user.pk}
    assert "Select a valid choice" in client.post(url, data).content.decode()
    data["user"] = member.user.pk
    assertRedirects(client.post(url, data), f"/p/{partnership.slug}/system-leaders/{setup['ada'].pk}/",
                    fetch_redirect_response=False)
    with scopes_disabled():
        assert SystemLeader.objects.get(pk=setup["ada"].pk).user == member.user


def test_a_system_leader_keeps_their_own_profile(client, partnership, setup):
    member = make_member(partnership, Role.SYSTEM_LEADER)
    with scopes_disabled():
        SystemLeader.objects.filter(pk=setup["ada"].pk).update(user=member.user)
    client.force_login(member.user)
    url = f"/p/{partnership.slug}/profile/"
    page = client.get(url)
    assert page.status_code == 200 and "My profile" in page.content.decode()
    bad = client.post(url, {"capacity_days_per_term": "2.25", "phases": ["phase_primary"]})
    assert "Use whole or half days" in bad.content.decode() or "Ensure that there are no more than 1 decimal place" in bad.content.decode()
    saved = client.post(url, {"capacity_days_per_term": "6", "phases": ["phase_primary", "phase_special"],
                              "specialisms": [setup["maths"].pk], "designation": "NLE"})
    assertRedirects(saved, url, fetch_redirect_response=False)
    with scopes_disabled():
        ada = SystemLeader.objects.get(pk=setup["ada"].pk)
    assert ada.designation == "SLE" and ada.phases == ["Primary", "Special"] and ada.capacity_days_per_term == 6


def test_a_system_leader_without_a_linked_record_is_told_what_to_do(client, system_leader, setup):
    client.force_login(system_leader.user)
    assert "has not been linked to your account yet" in client.get(f"/p/{system_leader.partnership.slug}/profile/").content.decode()


def test_clusters_are_created_with_member_schools_and_checked(client, broker, setup):
    client.force_login(broker.user)
    url = f"/p/{broker.partnership.slug}/clusters/new/"
    bad = client.post(url, {"name": "South", "kind": "triad", "academic_year": "2026-28", "schools": "139087\n12345",
                            "chair_school": "101929"})
    text = BeautifulSoup(bad.content, "html.parser").select_one(".govuk-error-summary").get_text()
    assert "An academic year runs from one year to the next, like 2026-27" in text
    assert "These are not 6-digit URNs: 12345" in text
    good = client.post(url, {"name": "South", "kind": "triad", "academic_year": "2026-27", "la": "873",
                             "schools": "139087, 137049", "chair_school": "139087"})
    with scopes_disabled():
        south = Cluster.objects.get(name="South")
    assertRedirects(good, f"/p/{broker.partnership.slug}/clusters/{south.pk}/", fetch_redirect_response=False)
    detail = client.get(good["Location"])
    assert names(detail, "main ul.govuk-list a") == ["Comberton Village College", "Histon and Impington Junior School"]


def test_specialisms_are_added_retired_and_never_deleted_in_use(client, broker, setup):
    client.force_login(broker.user)
    slug = broker.partnership.slug
    client.post(f"/p/{slug}/specialisms/", {"group": "teaching", "name": "Oracy"})
    with scopes_disabled():
        oracy = Specialism.objects.get(partnership=broker.partnership, name="Oracy")
    # Delete is a link to a confirmation page; the old button's POST goes there too, and deletes nothing.
    assert client.post(f"/p/{slug}/specialisms/{oracy.pk}/", {"action": "delete"})["Location"] == (
        f"/p/{slug}/specialisms/{oracy.pk}/delete/")
    response = client.post(f"/p/{slug}/specialisms/{setup['maths'].pk}/delete/")
    assert "cannot be deleted. Retire it instead" in response.content.decode()
    client.post(f"/p/{slug}/specialisms/{setup['maths'].pk}/", {"action": "retire"})
    client.post(f"/p/{slug}/specialisms/{oracy.pk}/delete/")
    with scopes_disabled():
        assert Specialism.objects.get(pk=setup["maths"].pk).is_retired
        assert not Specialism.objects.filter(pk=oracy.pk).exists()
    # A retired specialism is not offered for new profiles but stays on Ada's.
    response = client.get(f"/p/{slug}/system-leaders/new/")
    assert response.status_code == 200
    form = response.content.decode()
    assert ">Science<" in form and ">Mathematics<" not in form
    edit = client.get(f"/p/{slug}/system-leaders/{setup['ada'].pk}/edit/").content.decode()
    assert ">Mathematics<" in edit


def test_alliances_need_a_lead_school(client, broker, setup):
    client.force_login(broker.user)
    url = f"/p/{broker.partnership.slug}/alliances/new/"
    assert "Enter at least one lead school" in client.post(url, {"name": "CATTSA"}).content.decode()
    assert "already an alliance called catsa" in client.post(url, {"name": "catsa", "lead": "139087"}).content.decode()
    response = client.post(url, {"name": "CATTSA", "lead": "139087", "member": "137049"})
    with scopes_disabled():
        cattsa = Alliance.objects.get(name="CATTSA")
    assertRedirects(response, f"/p/{broker.partnership.slug}/alliances/{cattsa.pk}/", fetch_redirect_response=False)
    page = client.get(f"/p/{broker.partnership.slug}/schools/139087/").content.decode()
    assert "CATTSA" in page and "lead school" in page


def _count(client, url):
    """The queries of one GET of `url`, and the page it rendered, parsed."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return len(ctx.captured_queries), parsed(response)


@pytest.mark.parametrize("role", ["broker", "la_officer"])
def test_people_pages_use_a_fixed_number_of_queries(client, request, role, partnership, setup):
    member = request.getfixturevalue(role)
    client.force_login(member.user)
    slug = partnership.slug
    with scopes_disabled():
        cluster = Cluster.objects.get(name="North Cambridge")
    urls = [f"/p/{slug}/system-leaders/", f"/p/{slug}/system-leaders/{setup['ada'].pk}/", f"/p/{slug}/clusters/",
            f"/p/{slug}/clusters/{cluster.pk}/", f"/p/{slug}/schools/139087/", f"/p/{slug}/alliances/"]
    small = [_count(client, url)[0] for url in urls]
    with scopes_disabled():
        specialisms = list(Specialism.objects.filter(partnership=partnership).order_by("name")[:10])
    for i in range(40):
        SystemLeaderFactory(partnership=partnership, name=f"Leader {i}", home_school=setup["histon"], phase_primary=False,
                            specialisms=specialisms)
        ClusterFactory(partnership=partnership, name=f"Cluster {i}", la=setup["histon"].la,
                       schools=[setup["comberton" if i % 2 else "histon"]])
    set_m2m(setup["ada"], "specialisms", specialisms)
    for i in range(20):
        AllianceFactory(partnership=partnership, name=f"Alliance {i}", leads=[setup["histon"]])
    large, pages = zip(*(_count(client, url) for url in urls), strict=True)
    assert small == list(large)
    # The pages show the larger data (every new row is in Cambridgeshire, so either reader sees it): 42 leaders and
    # 42 clusters for the broker, 41 of each for the LA officer (Ben and the Acton cluster are in Ealing), Ada's
    # ten specialisms, and 21 alliances. Lists are 50 to a page.
    leaders, ada, clusters, _, school, alliances = pages
    expected = 42 if role == "broker" else 41
    assert len(leaders.select("tbody a.govuk-link")) == len(clusters.select("tbody a.govuk-link")) == expected
    assert all(s.name in ada.main.get_text(" ", strip=True) for s in specialisms)
    assert "Histon and Impington Junior School" in school.h1.get_text(strip=True)
    assert len(alliances.select("tbody a.govuk-link")) == 21


def test_la_officers_see_only_their_las_in_alliances_clusters_and_history(client, la_officer, partnership, setup):
    from alliances.models import AllianceSchool, ClusterSchool

    with scopes_disabled():
        acton = Alliance.objects.create(partnership=partnership, name="Acton alliance")
        AllianceSchool.objects.create(partnership=partnership, alliance=acton, school=setup["drayton"], role="lead")
        mixed = Cluster.objects.get(name="North Cambridge")
        ClusterSchool.objects.create(partnership=partnership, cluster=mixed, school=setup["histon"])
        ClusterSchool.objects.create(partnership=partnership, cluster=mixed, school=setup["drayton"])
        from django.contrib.contenttypes.models import ContentType

        AuditEvent.objects.create(partnership=partnership, actor_label="broker@school.example.org",
                                  action="system_leader.designation_changed",
                                  object_type=ContentType.objects.get_for_model(SystemLeader),
                                  object_id=str(setup["ada"].pk), new={"designation": "NLE"},
                                  note="Private note: agreed at the steering group after a complaint")
    client.force_login(la_officer.user)
    slug = partnership.slug
    listed = names(client.get(f"/p/{slug}/alliances/"))
    assert "CATSA" in listed and "Acton alliance" not in listed
    assert client.get(f"/p/{slug}/alliances/{acton.pk}/").status_code == 404
    cluster_page = client.get(f"/p/{slug}/clusters/{mixed.pk}/").content.decode()
    assert "Histon and Impington Junior School" in cluster_page and "Drayton Manor High School" not in cluster_page
    leader_page = client.get(f"/p/{slug}/system-leaders/{setup['ada'].pk}/").content.decode()
    assert "designation: NLE" in leader_page and "broker@school.example.org" not in leader_page
    # In words, and without the steering group's private note.
    assert "System leader: designation changed" in leader_page and "Private note" not in leader_page
    client.force_login(make_member(partnership, Role.BROKER).user)
    broker_page = client.get(f"/p/{slug}/system-leaders/{setup['ada'].pk}/").content.decode()
    assert "broker@school.example.org" in broker_page and "Private note" in broker_page


def test_postcodes_are_found_with_or_without_the_space(client, broker, setup):
    client.force_login(broker.user)
    url = f"/p/{broker.partnership.slug}/schools/"
    with scopes_disabled():
        School.objects.filter(urn="139087").update(postcode="CB24 9JA")
    for query in ("CB24 9JA", "cb249ja", " CB24  9JA "):
        assert names(client.get(url, {"q": query})) == ["Histon and Impington Junior School"], query


def test_editing_keeps_a_linked_account_and_refuses_far_future_dates(client, broker, partnership, setup):
    member = make_member(partnership, Role.SYSTEM_LEADER)
    with scopes_disabled():
        SystemLeader.objects.filter(pk=setup["ada"].pk).update(user=member.user)
        member.is_active = False
        member.save()
    client.force_login(broker.user)
    url = f"/p/{partnership.slug}/system-leaders/{setup['ada'].pk}/edit/"
    assert f'value="{member.user.pk}" selected' in client.get(url).content.decode()
    data = {"name": "Ada Lovelace", "home_school": "139087", "designation": "SLE", "designated_on": "1/1/9999",
            "status": "active", "capacity_days_per_term": "2", "user": member.user.pk}
    assert "Enter a date between 2000 and 2090" in client.post(url, data).content.decode()
    data["designated_on"] = "1/9/2024"
    assertRedirects(client.post(url, data), f"/p/{partnership.slug}/system-leaders/{setup['ada'].pk}/",
                    fetch_redirect_response=False)
    with scopes_disabled():
        assert SystemLeader.objects.get(pk=setup["ada"].pk).user == member.user


def test_renaming_an_alliance_to_a_taken_name_is_explained(client, broker, setup):
    client.force_login(broker.user)
    url = f"/p/{broker.partnership.slug}/alliances/new/"
    client.post(url, {"name": "CATTSA", "lead": "139087"})
    with scopes_disabled():
        cattsa = Alliance.objects.get(name="CATTSA")
    response = client.post(f"/p/{broker.partnership.slug}/alliances/{cattsa.pk}/edit/", {"name": "catsa", "lead": "139087"})
    assert "already an alliance called catsa" in response.content.decode()
    renamed = client.post(f"/p/{broker.partnership.slug}/alliances/{cattsa.pk}/edit/",
                          {"name": "CATTSA", "lead": "139087", "member": "137049"})
    assertRedirects(renamed, f"/p/{broker.partnership.slug}/alliances/{cattsa.pk}/", fetch_redirect_response=False)

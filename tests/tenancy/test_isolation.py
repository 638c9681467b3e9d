"""The isolation matrix: every tenant URL x role x method, against the other partnership's objects.

* an outsider (member only of the other partnership) gets 404 for every URL and method;
* every role, given ids of the other partnership's objects, gets 404 (403 where the role lacks the
  capability) and changes nothing there;
* anonymous visitors are sent to sign in;
* convention tests fail when a tenant URL is missing here or a tenant model lacks the scoped manager.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django_scopes import ScopeError, scopes_disabled

from portal.audit.models import AuditEvent
from portal.notifications.models import Channel, Notification
from portal.tenancy.models import Invitation, Membership, PartnershipOwned
from portal.tenancy.roles import Role
from tests.factories import make_invitation, make_member


def _school():
    from alliances.models import LocalAuthority, School

    la, _ = LocalAuthority.objects.get_or_create(code="873", defaults={"name": "Cambridgeshire"})
    school, _ = School.objects.get_or_create(urn="139087", defaults={"name": "Histon and Impington Junior School", "la": la})
    return school


def _objects(partnership, member, leader_user=None):
    """One of each tenant object in `partnership`, for URLs that take an id."""
    from datetime import date, timedelta

    from alliances.models import (
        Alliance,
        AllianceSchool,
        Cluster,
        ClusterSchool,
        PartnershipSchool,
        Specialism,
        SystemLeader,
    )

    school = _school()
    PartnershipSchool.objects.create(partnership=partnership, school=school, notes=f"Private note of {partnership.slug}")
    specialism = Specialism.objects.create(partnership=partnership, group="teaching", name=f"Maths {partnership.slug}")
    leader = SystemLeader.objects.create(
        partnership=partnership, name=f"Leader of {partnership.slug}", home_school=school, designation="SLE",
        designated_on=date(2024, 9, 1), review_due=date(2028, 9, 1), email=f"lead@{partnership.slug}.example.org",
        user=leader_user,
    )
    cluster = Cluster.objects.create(partnership=partnership, name=f"Cluster of {partnership.slug}", la=school.la,
                                     academic_year="2026-27", notes=f"Private note of {partnership.slug}")
    ClusterSchool.objects.create(partnership=partnership, cluster=cluster, school=school)
    alliance = Alliance.objects.create(partnership=partnership, name=f"Alliance of {partnership.slug}")
    from deployments.models import SupportRequest
    from portal.calendar.models import CalendarPeriod


    support = SupportRequest.objects.create(partnership=partnership, school=school, created_by=member.user,
                                            status="submitted", context=f"Private context of {partnership.slug}")
    from django.utils import timezone

    from deployments.models import Deployment, Offer, Visit

    offer = Offer.objects.create(partnership=partnership, request=support, leader=leader, offered_by=member.user,
                                 expires_at=timezone.now() + timedelta(days=5))
    deployment = Deployment.objects.create(
        partnership=partnership, request=support, school=school, leader=leader, days=3, rate_kind="member",
        day_rate=350, funder="school", start_date=date(2026, 9, 1), end_date=date(2026, 12, 1), proposed_by=member.user)
    visit = Visit.objects.create(partnership=partnership, deployment=deployment, visit_date=date(2026, 9, 8), days=1,
                                 focus=f"Private focus of {partnership.slug}", logged_by=member.user)
    from deployments.models import Review

    review = Review.objects.create(partnership=partnership, deployment=deployment, term_key="2026-27 autumn",
                                   due_on=date(2026, 12, 4), overall_progress=f"Private progress of {partnership.slug}")
    period = CalendarPeriod.objects.create(partnership=partnership, academic_year="2026-27", kind="term", term="autumn",
                                           name=f"Autumn term of {partnership.slug}", start=date(2026, 9, 1), end=date(2026, 12, 18))
    AllianceSchool.objects.create(partnership=partnership, alliance=alliance, school=school, role="lead")
    invitation = make_invitation(partnership, email=f"invitee-{partnership.slug}@example.org", token=f"tok-{partnership.slug}")
    notification = Notification.objects.create(
        partnership=partnership, recipient=member.user, email=member.user.email, channel=Channel.IN_APP,
        event_type="membership.joined", dedupe_key=f"matrix-{partnership.slug}", title="Welcome", link="/",
    )
    return {"membership": member, "invitation": invitation, "notification": notification, "school": school,
            "specialism": specialism, "leader": leader, "cluster": cluster, "alliance": alliance, "period": period,
            "request": support, "offer": offer, "deployment": deployment, "visit": visit,
            "review": review}


# url name -> (methods, which object supplies pk, or None)
MATRIX: dict[str, tuple[tuple[str, ...], str | None]] = {
    "tenant:home": (("get",), None),
    "tenant:members": (("get",), None),
    "tenant:invite": (("get", "post"), None),
    "tenant:member": (("get", "post"), "membership"),
    "tenant:member_links": (("post",), "membership"),
    "tenant:member_deactivate": (("post",), "membership"),
    "tenant:member_reactivate": (("post",), "membership"),
    "tenant:invitation_withdraw": (("post",), "invitation"),
    "tenant:activity": (("get",), None),
    "tenant:settings": (("get", "post"), None),
    "tenant:notifications": (("get",), None),
    "tenant:notifications_read_all": (("post",), None),
    "tenant:notification": (("get",), "notification"),
    "alliances:schools": (("get",), None),
    "alliances:schools_csv": (("get",), None),
    "alliances:school_add": (("get", "post"), None),
    "alliances:school": (("get",), "school"),
    "alliances:school_partnership": (("get", "post"), "school"),
    "alliances:leaders": (("get",), None),
    "alliances:leaders_csv": (("get",), None),
    "alliances:leader_new": (("get", "post"), None),
    "alliances:leader": (("get",), "leader"),
    "alliances:leader_edit": (("get", "post"), "leader"),
    "alliances:own_profile": (("get", "post"), None),
    "alliances:clusters": (("get",), None),
    "alliances:clusters_csv": (("get",), None),
    "alliances:cluster_new": (("get", "post"), None),
    "alliances:cluster": (("get",), "cluster"),
    "alliances:cluster_edit": (("get", "post"), "cluster"),
    "alliances:alliances": (("get",), None),
    "alliances:alliance_new": (("get", "post"), None),
    "alliances:alliance": (("get",), "alliance"),
    "alliances:alliance_edit": (("get", "post"), "alliance"),
    "alliances:specialisms": (("get", "post"), None),
    "alliances:specialism_action": (("post",), "specialism"),
    "deployments:requests": (("get",), None),
    "deployments:request_new": (("get", "post"), None),
    "deployments:request": (("get",), "request"),
    "deployments:request_needs": (("get", "post"), "request"),
    "deployments:request_context": (("get", "post"), "request"),
    "deployments:request_timing": (("get", "post"), "request"),
    "deployments:request_funding": (("get", "post"), "request"),
    "deployments:request_check": (("get", "post"), "request"),
    "deployments:request_withdraw": (("post",), "request"),
    "deployments:request_triage": (("get", "post"), "request"),
    "deployments:request_candidates": (("get",), "request"),
    "deployments:request_offer": (("post",), "request"),
    "deployments:request_propose": (("get", "post"), "request"),
    "deployments:offers": (("get",), None),
    "deployments:offer": (("get", "post"), "offer"),
    "deployments:offer_withdraw": (("post",), "offer"),
    "deployments:deployments": (("get",), None),
    "deployments:deployment": (("get",), "deployment"),
    "deployments:deployment_agreement": (("get",), "deployment"),
    "deployments:deployment_watch": (("post",), "deployment"),
    "deployments:deployment_decide": (("get", "post"), "deployment"),
    "deployments:deployment_confirm": (("post",), "deployment"),
    "deployments:deployment_pause": (("get", "post"), "deployment"),
    "deployments:deployment_resume": (("get", "post"), "deployment"),
    "deployments:deployment_stop": (("get", "post"), "deployment"),
    "deployments:deployment_complete": (("get", "post"), "deployment"),
    "deployments:visit_new": (("get", "post"), "deployment"),
    "deployments:visit_answer": (("get", "post"), "visit"),
    "deployments:visit_resolve": (("get", "post"), "visit"),
    "reporting:dashboard": (("get",), None),
    "reporting:dashboard_csv": (("get",), None),
    "reporting:dashboard_xlsx": (("get",), None),
    "reporting:dashboard_deployment": (("get",), "deployment"),
    "deployments:review": (("get",), "review"),
    "deployments:review_write": (("get", "post"), "review"),
    "deployments:review_answer": (("get", "post"), "review"),
    "tenant:calendar": (("get",), None),
    "tenant:calendar_import": (("post",), None),
    "tenant:calendar_period_new": (("get", "post"), None),
    "tenant:calendar_period": (("get", "post"), "period"),
    "tenant:calendar_period_delete": (("post",), "period"),
}
# Schools are shared reference data: their URLs take a URN, and "the other partnership's object" is
# its PartnershipSchool row, whose notes and membership must never show or change from here.
SHARED_REFERENCE = {"school"}

POST_DATA = {"decision": "no", "urn": "139087", "is_member": "no", "notes": "changed", "action": "delete", "name": "Changed",
             "group": "teaching", "designation": "NLE", "designated_on": "1/9/2024", "status": "paused",
             "home_school": "139087", "capacity_days_per_term": "3", "kind": "triad", "academic_year": "2026-27",
             "lead": "139087", "email": "someone@example.org", "role": Role.ADMIN, "reason": "x", "alliance_label": "Hub",
             "offer_expiry_days": 5, "review_due_school_days": 5, "label_sle": "a", "label_lle": "b",
             "label_nle": "c", "label_nlg": "d"}


def _url(name, partnership, objects):
    methods, key = MATRIX[name]
    kwargs = {"partnership_slug": partnership.slug}
    if key == "school":
        kwargs["urn"] = objects[key].urn
    elif key:
        kwargs["pk"] = objects[key].pk
    return reverse(name, kwargs=kwargs)


def _tenant_url_names() -> set[str]:
    names = set()

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, route, ns)
            elif isinstance(pattern, URLPattern) and "<slug:partnership_slug>" in route:
                names.add(f"{namespace}{pattern.name}")

    walk(get_resolver().url_patterns, "", "")
    return names


def test_every_tenant_url_is_in_the_isolation_matrix():
    names = _tenant_url_names()
    assert names, "no tenant URLs found: the walk is broken"
    missing = names - set(MATRIX)
    assert not missing, f"Add these tenant URLs to the isolation matrix: {sorted(missing)}"
    stale = set(MATRIX) - names
    assert not stale, f"The matrix names URLs that no longer exist: {sorted(stale)}"


@pytest.mark.scoped
@pytest.mark.django_db
def test_every_tenant_model_refuses_queries_outside_a_scope():
    tenant_models = [
        model for model in apps.get_models()
        if any(field.name == "partnership" for field in model._meta.get_fields())
    ]
    assert {Membership, Invitation, AuditEvent, Notification} <= set(tenant_models)
    for model in tenant_models:
        assert issubclass(model, PartnershipOwned), f"{model.__name__} must inherit PartnershipOwned"
        with pytest.raises(ScopeError):
            list(model.objects.all())
        partnership_field = model._meta.get_field("partnership")
        assert not partnership_field.null, f"{model.__name__}.partnership must be non-null"


@pytest.fixture
def both_sides(partnership, other_partnership, personas, outsider):
    with scopes_disabled():
        mine = _objects(partnership, personas[Role.ADMIN], leader_user=personas[Role.SYSTEM_LEADER].user)
        theirs = _objects(other_partnership, outsider)
    return mine, theirs


def _snapshot(partnership):
    from alliances.models import Alliance, Cluster, PartnershipSchool, Specialism, SystemLeader
    from deployments.models import CapacityEntry, Deployment, Offer, Review, SupportRequest, Visit, Watch
    from portal.calendar.models import CalendarPeriod

    with scopes_disabled():
        return (
            list(Offer.objects.filter(partnership=partnership).values_list("pk", "status", "response_note")),
            list(Deployment.objects.filter(partnership=partnership).values_list("pk", "status", "status_note",
                                                                              "head_confirmed_at", "decision_note")),
            list(Visit.objects.filter(partnership=partnership).values_list("pk", "status", "dispute_reason")),
            list(Review.objects.filter(partnership=partnership).values_list("pk", "status", "overall_progress",
                                                                          "head_comments")),
            CapacityEntry.objects.filter(partnership=partnership).count(),
            Watch.objects.filter(partnership=partnership).count(),
            list(PartnershipSchool.objects.filter(partnership=partnership).values_list("school_id", "is_member", "notes")),
            list(SystemLeader.objects.filter(partnership=partnership).values_list("pk", "name", "designation", "status")),
            list(Cluster.objects.filter(partnership=partnership).values_list("pk", "name", "notes")),
            list(Alliance.objects.filter(partnership=partnership).values_list("pk", "name")),
            list(Specialism.objects.filter(partnership=partnership).values_list("pk", "name", "is_retired")),
            list(CalendarPeriod.objects.filter(partnership=partnership).values_list("pk", "name", "start", "end")),
            list(SupportRequest.objects.filter(partnership=partnership).values_list("pk", "status", "context")),
            list(Membership.objects.filter(partnership=partnership).values_list("pk", "role", "is_active").order_by("pk")),
            list(Invitation.objects.filter(partnership=partnership).values_list("pk", "revoked_at", "accepted_at").order_by("pk")),
            list(Notification.objects.filter(partnership=partnership).values_list("pk", "read_at").order_by("pk")),
            AuditEvent.objects.filter(partnership=partnership).count(),
            partnership.__class__.objects.filter(pk=partnership.pk).values_list("alliance_label", "offer_expiry_days").get(),
        )


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_outsider_gets_404_on_every_method(client, name, partnership, both_sides, outsider):
    mine, _ = both_sides
    before = _snapshot(partnership)
    client.force_login(outsider.user)
    url = _url(name, partnership, mine)
    for method in ("get", "post", "put", "patch", "delete", "head"):
        response = getattr(client, method)(url, POST_DATA if method == "post" else None)
        assert response.status_code == 404, f"{method.upper()} {url} gave {response.status_code}"
    assert _snapshot(partnership) == before


@pytest.mark.parametrize("name", sorted(n for n, (_, key) in MATRIX.items() if key and key not in SHARED_REFERENCE))
@pytest.mark.parametrize("role", list(Role))
def test_members_cannot_reach_the_other_partnerships_objects(client, name, role, personas, other_partnership, both_sides):
    _, theirs = both_sides
    member = personas[role]
    before = _snapshot(other_partnership)
    client.force_login(member.user)
    # The other partnership's object id, under this member's own partnership slug.
    methods, key = MATRIX[name]
    url = reverse(name, kwargs={"partnership_slug": member.partnership.slug, "pk": theirs[key].pk})
    for method in methods:
        response = getattr(client, method)(url, POST_DATA if method == "post" else None)
        assert response.status_code in (403, 404), f"{role} {method.upper()} {url} gave {response.status_code}"
    assert _snapshot(other_partnership) == before


@pytest.mark.parametrize("name", sorted(MATRIX))
@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_its_pages_and_403_for_the_rest(client, name, role, personas, partnership, both_sides):
    """Every method of every tenant URL: 403 exactly when the role lacks the view's capability."""
    mine, _ = both_sides
    member = personas[role]
    client.force_login(member.user)
    methods, key = MATRIX[name]
    objects = dict(mine)
    # The member's own notification, so the notification URL is theirs to open.
    if key == "notification":
        with scopes_disabled():
            objects["notification"] = Notification.objects.create(
                partnership=partnership, recipient=member.user, email=member.user.email, channel=Channel.IN_APP,
                event_type="membership.joined", dedupe_key=f"own-{role}", title="Welcome", link="/",
            )
    url = _url(name, partnership, objects)
    capability = resolve(url).func.capability
    for method in methods:
        response = getattr(client, method)(url, POST_DATA if method == "post" else None)
        if member.can(capability):
            assert response.status_code in (200, 302), f"{role} {method.upper()} {name} gave {response.status_code}"
        else:
            assert response.status_code == 403, f"{role} {method.upper()} {name} gave {response.status_code}"


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_anonymous_visitors_are_sent_to_sign_in_without_learning_anything(client, name, partnership, both_sides):
    mine, _ = both_sides
    url = _url(name, partnership, mine)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    # An unknown partnership redirects the same way: the redirect reveals nothing.
    unknown = client.get(url.replace(f"/p/{partnership.slug}/", "/p/no-such-partnership/"))
    assert unknown.status_code == 302


def test_unknown_slug_and_non_member_get_the_same_404(client, partnership, outsider):
    client.force_login(outsider.user)
    not_member = client.get(f"/p/{partnership.slug}/")
    unknown = client.get("/p/no-such-partnership/")
    assert not_member.status_code == unknown.status_code == 404
    assert not_member.content == unknown.content


def test_a_deactivated_membership_gets_404(client, broker):
    broker.is_active = False
    broker.save()
    client.force_login(broker.user)
    assert client.get(f"/p/{broker.partnership.slug}/").status_code == 404


def test_an_inactive_partnership_gets_404(client, broker):
    broker.partnership.is_active = False
    broker.partnership.save()
    client.force_login(broker.user)
    assert client.get(f"/p/{broker.partnership.slug}/").status_code == 404


def test_a_user_in_both_partnerships_sees_each_only_under_its_own_slug(client, partnership, other_partnership):
    member = make_member(partnership, Role.HEADTEACHER)
    make_member(other_partnership, Role.HEADTEACHER, user=member.user)
    with scopes_disabled():
        theirs = Notification.objects.create(
            partnership=other_partnership, recipient=member.user, email=member.user.email, channel=Channel.IN_APP,
            event_type="membership.joined", dedupe_key="both", title="Ealing only", link="/",
        )
    client.force_login(member.user)
    assert client.get(f"/p/{partnership.slug}/notifications/{theirs.pk}/").status_code == 404
    assert client.get(f"/p/{other_partnership.slug}/notifications/{theirs.pk}/").status_code == 302
    page = client.get(f"/p/{partnership.slug}/notifications/")
    assert "Ealing only" not in page.content.decode()


@pytest.mark.parametrize("role", [Role.BROKER, Role.ADMIN, Role.APPROVER, Role.LA_OFFICER])
def test_a_school_page_never_shows_or_changes_the_other_partnerships_relationship(
    client, role, personas, partnership, other_partnership, both_sides
):
    member = personas[role]
    before = _snapshot(other_partnership)
    client.force_login(member.user)
    page = client.get(f"/p/{partnership.slug}/schools/139087/").content.decode()
    assert "Private note of ealing" not in page
    assert "Leader of ealing" not in page and "Cluster of ealing" not in page and "Alliance of ealing" not in page
    client.post(f"/p/{partnership.slug}/schools/139087/partnership/", {"is_member": "no", "notes": "mine"})
    for export in ("schools", "system-leaders", "clusters"):
        csv_body = b"".join(client.get(f"/p/{partnership.slug}/{export}/export.csv").streaming_content).decode()
        assert "ealing" not in csv_body.lower(), export
    assert _snapshot(other_partnership) == before


def _make_it_count(partnership, objects, score):
    """Turn a side's objects into figures the dashboard counts: a request sent and an active, ledgered, reviewed
    deployment this year (the matrix's own objects are left as they are for the other tests)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from deployments.models import CapacityEntry, Deployment, Review, SupportRequest, Visit

    sent = datetime(2026, 9, 10, 10, tzinfo=ZoneInfo("Europe/London"))
    SupportRequest.objects.filter(pk=objects["request"].pk).update(submitted_at=sent, status="matched")
    objects["request"].needs.set([objects["specialism"]], through_defaults={"partnership": partnership})
    Deployment.objects.filter(pk=objects["deployment"].pk).update(status="active", decided_at=sent)
    Visit.objects.filter(pk=objects["visit"].pk).update(status="confirmed")
    CapacityEntry.objects.create(partnership=partnership, leader=objects["leader"], deployment=objects["deployment"],
                                 term_key="2026-27 autumn", days=3)
    Review.objects.filter(pk=objects["review"].pk).update(status="agreed", impact_score=score)


@pytest.mark.parametrize("role", [Role.BROKER, Role.ADMIN, Role.APPROVER, Role.LA_OFFICER])
def test_dashboards_and_their_exports_never_show_the_other_partnerships_figures(client, role, personas, both_sides,
                                                                               partnership, other_partnership):
    import io

    import openpyxl
    from bs4 import BeautifulSoup

    mine, theirs = both_sides
    with scopes_disabled():
        _make_it_count(partnership, mine, 9)
        _make_it_count(other_partnership, theirs, 2)  # same school: only the partnership tells them apart
    member = personas[role]
    client.force_login(member.user)
    base = f"/p/{member.partnership.slug}/dashboards"
    page = client.get(f"{base}/?year=2026-27")
    assert page.status_code == 200
    soup = BeautifulSoup(page.content, "html.parser")
    breakdown = soup.find(id="table-breakdown").find_parent("section").select("tbody tr")
    # One request, one deployment, 3 days committed, 1 delivered and an impact of 9.0: this partnership's alone.
    assert [[c.get_text(strip=True) for c in row.select("th, td")] for row in breakdown] == [
        ["Cambridgeshire", "1", "1", "1", "0", "3", "1", "0", "9.0"]]
    bodies = [page.content.decode()]
    for table in ("breakdown", "requests", "deployments", "reviews", "rag", "impact", "capacity", "terms"):
        bodies.append(b"".join(client.get(f"{base}/export.csv?year=2026-27&table={table}").streaming_content).decode())
        sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"{base}/export.xlsx?year=2026-27&table={table}").content)).active
        bodies.append(str([[cell.value for cell in row] for row in sheet.iter_rows()]))
    for body in bodies:
        assert "ealing" not in body.lower()
        assert "Private" not in body
    requests = soup.find(id="table-requests").find_parent("section").select("tbody tr")
    assert [[c.get_text(strip=True) for c in row.select("th, td")] for row in requests] == [
        ["Maths cambridgeshire", "0", "0", "1", "0", "0", "1"]]

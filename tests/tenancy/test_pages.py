"""Pages render for their roles, forms speak plainly, and query counts do not grow with the data."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from portal.tenancy.models import Invitation, Membership
from portal.tenancy.roles import Role
from tests.factories import NotificationFactory, bulk, make_invitation, make_member
from tests.pages import list_after, parsed, table_rows, text


def _grow(partnership, user, n):
    """Add n notifications for `user`, n members, n invitations and n audit events."""
    with scopes_disabled():
        start = Notification.objects.count()
        bulk(NotificationFactory, n, partnership=partnership, recipient=user)
        for i in range(n):
            make_member(partnership, list(Role)[i % len(Role)], mfa=False)
            make_invitation(partnership, email=f"grow{start + i}@example.org", token=f"grow-{start + i}")
        AuditEvent.objects.bulk_create([AuditEvent(partnership=partnership, action="test.grow") for _ in range(n)])


def _count(client, url):
    """The queries of one GET of `url`, and the page it rendered, parsed."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return len(ctx.captured_queries), parsed(response)


def _shows_its_data(page, soup, partnership):
    """Each admin page shows what is in the database now (checked after the data grew)."""
    with scopes_disabled():
        members = Membership.objects.filter(partnership=partnership, is_active=True)
        waiting = Invitation.objects.filter(partnership=partnership, revoked_at__isnull=True, accepted_at__isnull=True)
        if page == "":
            by_role = {Role(role).label: str(n) for role, n in members.values_list("role").annotate(n=Count("pk"))}
            caption = f"{members.count()} active members, {waiting.count()} invitations waiting"
            assert {row[0]: row[1] for row in table_rows(soup, caption)} == by_role
            assert len(list_after(soup, "Latest notifications")) == 5
        elif page == "notifications/":
            assert len(soup.main.select("ul.govuk-list--spaced li")) == 25  # the first page of 42
            assert soup.select_one(".govuk-pagination [aria-current=page]")["aria-label"] == "Page 1 of 2"
        elif page == "members/":
            assert len(table_rows(soup, "People with access")) == members.count() == 43
            assert len(table_rows(soup, "Invitations not yet accepted")) == waiting.count() == 42
        elif page == "activity/":
            assert len(table_rows(soup, "Changes, newest first")) == 42
        else:
            saved = type(partnership).objects.get(pk=partnership.pk)
            assert soup.select_one("#id_offer_expiry_days")["value"] == str(saved.offer_expiry_days)
            assert soup.select_one("#id_alliance_label")["value"] == saved.alliance_label


@pytest.mark.parametrize("page", ["", "notifications/", "members/", "activity/", "settings/"])
def test_admin_pages_use_a_fixed_number_of_queries(client, admin, page):
    client.force_login(admin.user)
    url = f"/p/{admin.partnership.slug}/{page}"
    client.get(url)  # the home page records the first visit (an UPDATE), not the next minute's
    _grow(admin.partnership, admin.user, 2)
    small, _ = _count(client, url)
    _grow(admin.partnership, admin.user, 40)
    large, soup = _count(client, url)
    assert small == large, f"{url}: {small} queries with little data, {large} with more"
    _shows_its_data(page, soup, admin.partnership)


@pytest.mark.parametrize("role", list(Role))
def test_home_and_notification_centre_query_counts_per_role(client, personas, role):
    member = personas[role]
    client.force_login(member.user)
    slug = member.partnership.slug
    client.get(f"/p/{slug}/")  # the first visit is recorded (an UPDATE), not the next minute's
    _grow(member.partnership, member.user, 2)
    (home_small, _), (centre_small, _) = _count(client, f"/p/{slug}/"), _count(client, f"/p/{slug}/notifications/")
    _grow(member.partnership, member.user, 40)
    (home_large, home), (centre_large, centre) = _count(client, f"/p/{slug}/"), _count(client, f"/p/{slug}/notifications/")
    assert (home_small, centre_small) == (home_large, centre_large)
    # Both show the member's 42 notifications: the latest five at home, a page of 25 in the centre.
    assert len(list_after(home, "Latest notifications")) == 5
    assert len(centre.main.select("ul.govuk-list--spaced li")) == 25
    assert "42 unread" in centre.select_one(".govuk-service-navigation__list").get_text(" ", strip=True)


def test_notification_centre_query_budget(client, headteacher, django_assert_num_queries):
    client.force_login(headteacher.user)
    _grow(headteacher.partnership, headteacher.user, 30)
    url = f"/p/{headteacher.partnership.slug}/notifications/"
    client.get(url)  # warm the content-type and session caches
    # session, user, membership (joined to its partnership, with whether there are other memberships for the
    # switcher and the unread count), paginator count, the page of notifications, then savepoint + session save +
    # release.
    with django_assert_num_queries(8):
        response = client.get(url)
    # The page of notifications those queries fetched: the newest 25 of 30, titles as written.
    with scopes_disabled():
        newest = list(Notification.objects.filter(recipient=headteacher.user).order_by("-created_at", "-pk")
                      .values_list("title", flat=True)[:25])
    items = parsed(response).main.select("ul.govuk-list--spaced li")
    assert [item.find("a").get_text(" ", strip=True) for item in items] == newest


def test_home_shows_the_role_and_recent_notifications(client, headteacher):
    _grow(headteacher.partnership, headteacher.user, 7)
    client.force_login(headteacher.user)
    soup = BeautifulSoup(client.get(f"/p/{headteacher.partnership.slug}/").content, "html.parser")
    assert soup.h1.get_text(strip=True).startswith("Welcome")
    assert len(soup.select("main ul.govuk-list--spaced li")) == 5
    nav = [a.get_text(" ", strip=True) for a in soup.select(".govuk-service-navigation__list a")]
    assert nav[0] == "Home" and nav[1].startswith("Notifications") and "Members" not in nav
    assert soup.select_one(".govuk-skip-link")["href"] == "#main-content"
    assert "Open Government Licence" in soup.footer.get_text()


def test_the_admin_home_counts_members(client, admin, headteacher):
    client.force_login(admin.user)
    soup = BeautifulSoup(client.get(f"/p/{admin.partnership.slug}/").content, "html.parser")
    rows = {tr.th.get_text(strip=True): tr.td.get_text(strip=True) for tr in soup.select("tbody tr")}
    assert rows["Headteacher"] == "1" and rows["Partnership admin"] == "1"


def test_invite_form_errors_are_summarised_and_inline(client, admin):
    client.force_login(admin.user)
    response = client.post(f"/p/{admin.partnership.slug}/members/invite/", {"email": "not-an-email", "role": "king"})
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.title.get_text().startswith("Error:")
    summary = [a.get_text(strip=True) for a in soup.select(".govuk-error-summary a")]
    assert summary == ["Enter an email address in the correct format, like name@example.org", "Select a role from the list"]
    assert soup.select_one("#id_email")["aria-describedby"] == "id_email-hint id_email-error"
    with scopes_disabled():
        assert not Invitation.objects.exists()


def test_inviting_through_the_page(client, admin, mailoutbox):
    client.force_login(admin.user)
    response = client.post(
        f"/p/{admin.partnership.slug}/members/invite/", {"email": "new@example.org", "role": Role.HEADTEACHER}, follow=True
    )
    assert "Invitation sent to new@example.org as Headteacher" in response.content.decode()
    with scopes_disabled():
        assert Invitation.objects.get().email == "new@example.org"


def test_changing_a_role_through_the_page(client, admin, headteacher):
    client.force_login(admin.user)
    url = f"/p/{admin.partnership.slug}/members/{headteacher.pk}/"
    response = client.post(url, {"role": Role.SYSTEM_LEADER}, follow=True)
    assert "is now System leader" in response.content.decode()
    with scopes_disabled():
        assert Membership.objects.get(pk=headteacher.pk).role == Role.SYSTEM_LEADER
    history = BeautifulSoup(client.get(url).content, "html.parser").select("tbody tr")
    assert "membership.role_changed" in history[0].get_text()


def test_settings_refuse_out_of_range_numbers_and_keep_the_input(client, admin):
    client.force_login(admin.user)
    data = {"label_sle": "SLE", "label_lle": "LLE", "label_nle": "NLE", "label_nlg": "NLG", "alliance_label": "Hub",
            "four_eyes_approval": "on", "offer_expiry_days": "500", "review_due_school_days": "10", "contact_email": ""}
    response = client.post(f"/p/{admin.partnership.slug}/settings/", data)
    soup = BeautifulSoup(response.content, "html.parser")
    assert "Days to answer an offer must be between 1 and 90" in soup.select_one(".govuk-error-summary").get_text()
    assert soup.select_one("#id_offer_expiry_days")["value"] == "500"
    data["offer_expiry_days"] = "7"
    data["label_sle"] = "Specialist leader"
    saved = client.post(f"/p/{admin.partnership.slug}/settings/", data)
    assert (saved.status_code, saved["Location"]) == (302, f"/p/{admin.partnership.slug}/settings/")
    admin.partnership.refresh_from_db()
    assert admin.partnership.offer_expiry_days == 7 and admin.partnership.designation_labels["SLE"] == "Specialist leader"


def test_names_are_escaped_on_every_page_that_shows_them(client, admin, headteacher):
    from portal.tenancy.services import change_role

    headteacher.user.name = "<script>alert('x')</script>"
    headteacher.user.save()
    with scopes_disabled():
        from django_scopes import scope

        with scope(partnership=admin.partnership):
            change_role(actor=admin, membership=headteacher, role=Role.SYSTEM_LEADER)
    client.force_login(admin.user)
    slug = admin.partnership.slug
    for url in (f"/p/{slug}/members/", f"/p/{slug}/members/{headteacher.pk}/", f"/p/{slug}/activity/"):
        body = client.get(url).content.decode()
        assert "<script>alert" not in body, url
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body, url
    client.force_login(headteacher.user)
    response = client.get(f"/p/{slug}/")
    assert response.status_code == 200
    home = response.content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in home and "<script>alert" not in home


def test_user_text_is_escaped_everywhere_it_is_shown(client, admin):
    NotificationFactory(partnership=admin.partnership, recipient=admin.user, title="<img src=x onerror=alert(1)>")
    client.force_login(admin.user)
    body = client.get(f"/p/{admin.partnership.slug}/notifications/").content.decode()
    assert "<img src=x" not in body and "&lt;img src=x onerror=alert(1)&gt;" in body


def test_bad_page_numbers_do_not_break_lists(client, admin):
    client.force_login(admin.user)
    for page in ("abc", "-1", "99999"):
        response = client.get(f"/p/{admin.partnership.slug}/members/?page={page}")
        assert [row[:2] for row in table_rows(parsed(response), "People with access")] == [
            [admin.user.name, admin.user.email]], page


def test_switcher_lists_only_active_memberships(client, partnership, other_partnership):
    member = make_member(partnership, Role.HEADTEACHER)
    gone = make_member(other_partnership, Role.HEADTEACHER, user=member.user)
    client.force_login(member.user)
    assert other_partnership.name in text(client.get("/partnerships/"))
    gone.is_active = False
    gone.save()
    listed = text(client.get("/partnerships/"))
    assert partnership.name in listed and other_partnership.name not in listed


def test_accessibility_statement_is_public(client, db):
    assert "Accessibility statement" in client.get("/accessibility/").content.decode()


def test_a_too_long_deactivation_reason_deactivates_nothing(client, admin, broker):
    client.force_login(admin.user)
    response = client.post(f"/p/{admin.partnership.slug}/members/{broker.pk}/deactivate/", {"reason": "x" * 501}, follow=True)
    assert "500 characters or fewer" in response.content.decode()
    broker.refresh_from_db()
    assert broker.is_active


def test_checkbox_lists_render_as_checkboxes_and_keep_every_choice():
    from django import forms
    from django.template import Context, Template

    class AreasForm(forms.Form):
        areas = forms.MultipleChoiceField(
            choices=[("send", "SEND"), ("maths", "Maths"), ("eyfs", "Early years")], widget=forms.CheckboxSelectMultiple
        )

    form = AreasForm({"areas": ["send", "eyfs"]})
    assert form.is_valid()
    html = Template("{% govuk_field form.areas %}").render(Context({"form": form}))
    soup = BeautifulSoup(html, "html.parser")
    boxes = soup.select("input.govuk-checkboxes__input")
    assert [b["type"] for b in boxes] == ["checkbox"] * 3
    assert [b["value"] for b in boxes if b.has_attr("checked")] == ["send", "eyfs"]
    assert soup.fieldset.legend.get_text(strip=True) == "Areas"


def test_admins_set_an_la_officers_authorities_and_a_heads_schools(client, admin, headteacher, partnership):
    from alliances.models import LocalAuthority, School

    cambs, _ = LocalAuthority.objects.get_or_create(code="873", defaults={"name": "Cambridgeshire"})
    LocalAuthority.objects.get_or_create(code="307", defaults={"name": "Ealing"})
    School.objects.get_or_create(urn="139087", defaults={"name": "Histon and Impington Junior School", "la": cambs})
    officer = make_member(partnership, Role.LA_OFFICER)
    client.force_login(admin.user)
    slug = partnership.slug
    client.post(f"/p/{slug}/members/{officer.pk}/links/", {"local_authorities": ["873"]})
    bad = client.post(f"/p/{slug}/members/{headteacher.pk}/links/", {"schools": "139087\n999999"})
    assert "No school matches 999999" in bad.content.decode()
    School.objects.get_or_create(urn="137049", defaults={"name": "Comberton Village College", "la": cambs})
    client.post(f"/p/{slug}/members/{headteacher.pk}/links/", {"schools": "137049\n139087"})
    with scopes_disabled():
        assert list(officer.local_authorities.values_list("code", flat=True)) == ["873"]
        assert sorted(headteacher.schools.values_list("urn", flat=True)) == ["137049", "139087"]
        assert AuditEvent.objects.filter(action="membership.links_changed").count() == 2
    client.force_login(officer.user)
    assert "Histon and Impington Junior School" in client.get(f"/p/{slug}/schools/").content.decode()

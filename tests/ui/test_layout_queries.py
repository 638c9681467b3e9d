"""What the layout costs above the floor: nothing. The middleware reads the switcher's question and the unread count
with the membership; the badge is counted again only when the request wrote to the database (it may have marked
notifications read or sent some), so it is never stale."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.shortcuts import render
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import path
from django.utils import timezone

from portal.notifications.models import Channel, Notification
from portal.tenancy.rls import cross_partnership
from portal.urls import urlpatterns as portal_urlpatterns

pytestmark = [pytest.mark.django_db]


def _layout(request, partnership_slug):
    return render(request, "portal/accessibility.html", {})


def _read_one_then_layout(request, partnership_slug):
    Notification.objects.filter(partnership=request.partnership, recipient=request.user, read_at__isnull=True).filter(
        pk=Notification.objects.filter(partnership=request.partnership, recipient=request.user,
                                       read_at__isnull=True).order_by("pk").values("pk")[:1]).update(
        read_at=timezone.now())
    return render(request, "portal/accessibility.html", {})


urlpatterns = [
    path("p/<slug:partnership_slug>/test-layout/", _layout),
    path("p/<slug:partnership_slug>/test-read-one/", _read_one_then_layout),
    *portal_urlpatterns,
]


def _notify(membership, n):
    with cross_partnership("test set-up"):
        for i in range(n):
            Notification.objects.create(partnership=membership.partnership, recipient=membership.user,
                                        email=membership.user.email, channel=Channel.IN_APP, event_type="test",
                                        dedupe_key=f"layout-test:{membership.pk}:{i}", title=f"Notice {i}")


def _badge(response) -> str:
    soup = BeautifulSoup(response.content, "html.parser")
    badge = soup.select_one("#navigation .app-count-badge")
    return badge.get_text() if badge else ""


@override_settings(ROOT_URLCONF=__name__)
def test_a_page_with_the_layout_costs_no_query_over_the_floor(client, broker):
    client.force_login(broker.user)
    _notify(broker, 3)
    base = f"/p/{broker.partnership.slug}"
    client.get(f"{base}/ping/")
    with CaptureQueriesContext(connection) as floor:
        client.get(f"{base}/ping/")
    with CaptureQueriesContext(connection) as layout:
        response = client.get(f"{base}/test-layout/")
    assert response.status_code == 200
    assert len(layout) == len(floor)
    assert _badge(response) == "3"


@override_settings(ROOT_URLCONF=__name__)
def test_the_badge_is_counted_again_after_the_request_wrote(client, broker):
    client.force_login(broker.user)
    _notify(broker, 3)
    base = f"/p/{broker.partnership.slug}"
    assert _badge(client.get(f"{base}/test-read-one/")) == "2"
    assert _badge(client.get(f"{base}/test-read-one/")) == "1"
    assert _badge(client.get(f"{base}/test-layout/")) == "1"
    assert _badge(client.get(f"{base}/test-read-one/")) == ""


@override_settings(ROOT_URLCONF=__name__)
def test_the_badge_counts_only_the_members_own_notifications_in_this_partnership(client, broker, other_partnership):
    from portal.tenancy.roles import Role
    from tests.factories import make_member

    other = make_member(other_partnership, Role.BROKER, user=broker.user)
    _notify(other, 4)
    _notify(make_member(broker.partnership, Role.APPROVER), 2)
    _notify(broker, 1)
    client.force_login(broker.user)
    assert _badge(client.get(f"/p/{broker.partnership.slug}/test-layout/")) == "1"
    assert _badge(client.get(f"/p/{other_partnership.slug}/test-layout/")) == "4"

"""The steering group's watchlist: a deployment watched once, audited, shown on the watcher's home page."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django_scopes import scope, scopes_disabled

from tests.pages import done


def test_watching_a_deployment_puts_it_on_the_home_page_once_and_is_audited(client, world):
    from deployments.models import Watch
    from portal.audit.models import AuditEvent

    d1 = world.deployments["D1"]
    client.force_login(world.broker.user)
    url = f"/p/{world.partnership.slug}/deployments/{d1.pk}/watch/"
    detail_url = f"/p/{world.partnership.slug}/deployments/{d1.pk}/"
    for _ in range(2):  # twice: still one row, one audit event
        done(client.post(url, {"watch": "yes"}, follow=True), detail_url, f"{d1.reference} is on your watchlist")
    with scopes_disabled():
        assert Watch.objects.filter(user=world.broker.user, deployment=d1).count() == 1
        assert AuditEvent.objects.filter(action="watchlist.added").count() == 1
    home = BeautifulSoup(client.get(f"/p/{world.partnership.slug}/").content, "html.parser")
    table = home.find("caption", string="Deployments you are watching, soonest to end first").find_parent("table")
    assert [a.get_text() for a in table.select("tbody a")] == [d1.reference]
    detail = client.get(detail_url).content.decode()
    assert "Stop watching" in detail
    done(client.post(url, {"watch": "no"}, follow=True), detail_url, f"{d1.reference} is off your watchlist.")
    with scopes_disabled():
        assert not Watch.objects.filter(user=world.broker.user).exists()
        assert AuditEvent.objects.filter(action="watchlist.removed").count() == 1


def test_only_the_steering_group_may_watch(world):
    from deployments.delivery.watchlist import set_watch
    from portal.errors import NotAllowed

    with scope(partnership=world.partnership), pytest.raises(NotAllowed):
        set_watch(actor=world.officer, deployment=world.deployments["D1"], watch=True)

"""The dashboards built from rows the Table writes give the page the template loops gave (the template as it
was before, kept in `before/dashboard.html`), on the demo data, at every level of the drill-down."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.template import engines
from django_scopes import scope, scopes_disabled

from alliances.models import Cluster, Specialism
from portal.accounts.models import User

BEFORE = (Path(__file__).parent / "before" / "dashboard.html").read_text()


def _normalised(html: str) -> str:
    """The page without what differs per render (a masked CSRF token) or only in layout (whitespace)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken"', html)
    html = re.sub(r">\s+<", "><", html)
    return re.sub(r"\s+", " ", html).strip()


@pytest.mark.django_db
def test_the_dashboards_render_as_they_did_before_on_the_demo_data(client, settings):
    call_command("seed_demo", "--quiet-sign-ins")
    settings.MFA_EXEMPT_DEMO_USERS = True
    with scopes_disabled():
        cluster = Cluster.objects.filter(partnership__slug="cambridgeshire").order_by("pk").first()
        broker = User.objects.get(email=f"broker@{settings.DEMO_EMAIL_DOMAIN}")
        officer = User.objects.get(email=f"la-officer@{settings.DEMO_EMAIL_DOMAIN}")
        school = cluster.members.order_by("pk").values_list("school_id", flat=True).first()
        area = Specialism.objects.filter(partnership__slug="cambridgeshire").order_by("pk").values_list(
            "pk", flat=True).first()
    queries = ["", "year=2025-26", "term=autumn", f"la={cluster.la_id}", f"la={cluster.la_id}&cluster={cluster.pk}",
               f"la={cluster.la_id}&cluster={cluster.pk}&school={school}", "phase=primary&designation=SLE",
               f"year=2025-26&area={area}"]  # one need area: the requests' and the capacity tables narrow to it
    before = engines["django"].from_string(BEFORE)
    compared = 0
    for user in (broker, officer):
        client.force_login(user)
        for query in queries:
            response = client.get(f"/p/cambridgeshire/dashboards/?{query}")
            assert response.status_code == 200, query
            context = response.context[0].flatten()  # the page's own context (the rest are its includes')
            with scope(partnership=response.wsgi_request.partnership):
                old = before.render(context, request=response.wsgi_request)
            new = response.content.decode()
            assert _normalised(new) == _normalised(old), query
            assert 'class="govuk-table__row"' in new
            compared += 1
    assert compared == 16

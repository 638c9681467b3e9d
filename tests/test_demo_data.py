"""`make run`'s demo data: real alliances and schools, a user for every role, safe to run twice."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from alliances.models import Alliance, AllianceSchool, Cluster, SystemLeader
from portal.accounts.models import User
from portal.tenancy.models import Membership, Partnership
from portal.tenancy.roles import Role


@pytest.mark.django_db
def test_the_demo_is_built_from_the_seeds_and_real_data_and_is_idempotent(capsys, settings):
    call_command("seed_demo")
    first = capsys.readouterr().out
    assert "Demo sign-ins (password for all: demo-portal-2026)" in first
    call_command("seed_demo", "--quiet-sign-ins")
    assert "0 new users" in capsys.readouterr().out
    with scopes_disabled():
        cambs = Partnership.objects.get(slug="cambridgeshire")
        assert set(Alliance.objects.filter(partnership=cambs).values_list("name", flat=True)) == {
            "CATSA", "CATTSA", "CASSA", "Anglian Gateway"}
        leads = set(AllianceSchool.objects.filter(partnership=cambs, role="lead").values_list("school_id", flat=True))
        assert {"136463", "136580", "136442", "136677"} <= leads  # Comberton, Swavesey, Linton, Bottisham
        assert SystemLeader.objects.filter(partnership=cambs).count() == 36
        assert set(SystemLeader.objects.filter(partnership=cambs).values_list("designation", flat=True)) == {
            "SLE", "LLE", "NLE", "NLG"}
        assert Cluster.objects.filter(partnership=cambs, academic_year="2026-27").count() >= 5
        assert Cluster.objects.filter(partnership__slug="ealing", kind="triad").count() == 6
        roles = set(Membership.objects.filter(user__email__endswith=settings.DEMO_EMAIL_DOMAIN).values_list("role", flat=True))
        assert roles == set(Role)
        officer = Membership.objects.get(user__email=f"la-officer@{settings.DEMO_EMAIL_DOMAIN}")
        assert set(officer.local_authorities.values_list("code", flat=True)) == {"873", "935"}
        leader_user = User.objects.get(email=f"system-leader@{settings.DEMO_EMAIL_DOMAIN}")
        assert SystemLeader.objects.filter(user=leader_user).count() == 1
        from portal.calendar.models import CalendarPeriod

        assert CalendarPeriod.objects.filter(partnership=cambs, academic_year="2026-27", kind="term").count() == 2
        from deployments.demo import MARKER
        from deployments.models import SupportRequest

        assert sorted(SupportRequest.objects.filter(partnership=cambs).exclude(context=MARKER).values_list(
            "status", flat=True)) == ["submitted", "triaged"]
        # The dashboards' history: deployments with agreed, scored reviews; once only, though seeded twice.
        from deployments.models import Deployment, Review

        history = Deployment.objects.filter(partnership=cambs, funder_note=MARKER)
        assert history.count() == SupportRequest.objects.filter(partnership=cambs, context=MARKER).count() >= 25
        assert set(history.values_list("status", flat=True)) >= {"active", "completed"}
        assert Review.objects.filter(deployment__in=history, status="agreed", impact_score__isnull=False).count() >= 10
        from deployments.models import Offer

        [offer] = Offer.objects.filter(partnership=cambs)
        assert offer.status == "open" and offer.leader.user.email.startswith("system-leader@")

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
    # Everyone the demos add can sign in at once, the higher apps' candidate and participant too: listed, and their
    # addresses verified (an unverified one is sent a confirmation email instead of being signed in).
    from allauth.account.models import EmailAddress

    for local in ("candidate", "participant"):
        assert f"{local}@{settings.DEMO_EMAIL_DOMAIN}" in first
    with scopes_disabled():
        demo_users = User.objects.filter(email__endswith=f"@{settings.DEMO_EMAIL_DOMAIN}",
                                         memberships__isnull=False).distinct()
        unverified = demo_users.exclude(pk__in=EmailAddress.objects.filter(verified=True).values("user_id"))
        assert not list(unverified.values_list("email", flat=True))
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

        assert CalendarPeriod.objects.filter(partnership=cambs, academic_year="2026-27", kind="term").count() == 3
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


@pytest.mark.django_db
def test_demo_people_have_one_name_each_and_the_demo_leader_tops_the_demo_request(settings, client):
    """Issue 12: the demo system leader's account and profile share one name; no name belongs to two people;
    and for the headteacher's maths request the README points at, a broker finds them first."""
    from django_scopes import scope

    from deployments.brokerage.matching import rank_for_request
    from deployments.models import SupportRequest
    from deployments.requests import services as requests

    call_command("seed_demo", "--quiet-sign-ins")
    with scopes_disabled():
        account = User.objects.get(email=f"system-leader@{settings.DEMO_EMAIL_DOMAIN}")
        profile = SystemLeader.objects.get(user=account)
        assert (profile.name, profile.email) == (account.name, account.email) == (
            "Sam Systemleader", f"system-leader@{settings.DEMO_EMAIL_DOMAIN}")
        people = [(leader.name, leader.user_id or f"leader {leader.pk}") for leader in SystemLeader.objects.all()]
        people += [(user.name, user.pk) for user in User.objects.filter(email__endswith=settings.DEMO_EMAIL_DOMAIN)]
        owners: dict[str, set] = {}
        for name, who in people:
            owners.setdefault(name, set()).add(who)
        assert {name: who for name, who in owners.items() if len(who) > 1} == {}
        cambs = Partnership.objects.get(slug="cambridgeshire")
        maths = SupportRequest.objects.get(partnership=cambs, status="submitted")
        broker = Membership.objects.get(partnership=cambs, user__email=f"broker@{settings.DEMO_EMAIL_DOMAIN}")
    with scope(partnership=cambs):
        requests.triage_request(actor=broker, request=maths, eligible=True, support_level="targeted", note="")
        ranked, _ = rank_for_request(SupportRequest.objects.select_related("school").get(pk=maths.pk))
    assert ranked[0].leader.name == "Sam Systemleader", [(c.leader.name, c.score) for c in ranked[:3]]
    # The review a headteacher reads names the same person as its writer and its system leader.
    settings.MFA_EXEMPT_DEMO_USERS = True
    client.force_login(account)
    home = client.get("/p/cambridgeshire/").content.decode()
    assert "Farid Adams" not in home


@pytest.mark.django_db
def test_the_demo_calendar_has_complete_years_and_marks_the_unconfirmed_ones_provisional(settings, client):
    from deployments.demo import MARKER
    from deployments.models import CapacityEntry, Review
    from portal.calendar.models import CalendarPeriod, CalendarYear
    from portal.calendar.services import school_calendar

    call_command("seed_demo", "--quiet-sign-ins")
    with scopes_disabled():
        cambs = Partnership.objects.get(slug="cambridgeshire")
        terms = dict.fromkeys(CalendarPeriod.objects.filter(partnership=cambs, kind="term").values_list(
            "academic_year", "term"))
        years = {year for year, _ in terms}
        assert {"2025-26", "2026-27"} <= years
        for year in years:  # every year shown has all three terms
            assert {term for y, term in terms if y == year} == {"autumn", "spring", "summer"}, year
        assert set(CalendarYear.objects.filter(partnership=cambs, provisional=True).values_list(
            "academic_year", flat=True)) == {"2025-26", "2026-27"}
        calendar = school_calendar(partnership=cambs)
        # Every review and ledger row of the history falls in a term the calendar has, not a made-up one.
        keys = set(Review.objects.filter(partnership=cambs, kind="termly").values_list("term_key", flat=True))
        keys |= set(CapacityEntry.objects.filter(partnership=cambs).values_list("term_key", flat=True))
        assert keys and all(key[:7] in years for key in keys)
        assert not any(t.estimated for year in years for t in calendar.year_terms(year))
        # A spring deployment of the history is reviewed in spring, not summer.
        assert Review.objects.filter(partnership=cambs, deployment__funder_note=MARKER,
                                     term_key="2025-26 spring").exists()
    settings.MFA_EXEMPT_DEMO_USERS = True  # as in `make run`
    client.force_login(User.objects.get(email=f"broker@{settings.DEMO_EMAIL_DOMAIN}"))
    page = client.get("/p/cambridgeshire/term-dates/").content.decode()
    assert "2026-27 <strong class=\"govuk-tag govuk-tag--yellow\">Provisional</strong>" in page


@pytest.mark.django_db
def test_the_demo_has_orders_and_its_visits_draw_down_once(settings):
    from django.db.models import Sum

    from deployments.demo import MARKER
    from deployments.models import Deployment, Visit
    from programmes.models import ChargeKind, ChargeLine, Drawdown, Entitlement, Order

    call_command("seed_demo", "--quiet-sign-ins")
    call_command("seed_demo", "--quiet-sign-ins")  # a second run orders and draws nothing more
    with scopes_disabled():
        ealing = Order.objects.filter(partnership__slug="ealing")
        assert ealing.values("school").distinct().count() == 3  # the first pilot triad's three schools
        assert sorted(ealing.values_list("status", flat=True)) == ["confirmed", "confirmed", "submitted"]
        assert Order.objects.get(partnership__slug="cambridgeshire").school_id == "110746"
        funded = Deployment.objects.filter(partnership__slug="cambridgeshire", funder_note=MARKER,
                                           entitlement__isnull=False)
        assert funded.exists()
        confirmed = Visit.objects.filter(deployment__in=funded, status="confirmed")
        drawn = Drawdown.objects.filter(kind="draw", cause_type="visit").aggregate(days=Sum("days"))["days"]
        payg = ChargeLine.objects.filter(kind=ChargeKind.PAYG, cause_type="visit").aggregate(days=Sum("quantity"))["days"]
        # Every confirmed visit was drawn from the core day or charged pay as you go beyond it, exactly once.
        assert drawn + (payg or 0) == confirmed.aggregate(days=Sum("days"))["days"]
        for entitlement in Entitlement.objects.filter(pk__in=funded.values("entitlement")):
            ledger = Drawdown.objects.filter(entitlement=entitlement, kind__in=("draw", "give_back"))
            assert entitlement.used == (ledger.aggregate(days=Sum("days"))["days"] or 0)


@pytest.mark.django_db
def test_the_demo_has_programmes_cohorts_places_registers_and_evaluations_once(settings, client):
    from portal.calendar.schooldays import SchoolCalendar  # noqa: F401  (the sessions follow the demo terms)
    from portal.calendar.services import school_calendar
    from programmes.models import (
        AttendanceMark,
        Cohort,
        Evaluation,
        Place,
        Programme,
        Service,
        Session,
    )

    call_command("seed_demo", "--quiet-sign-ins")
    call_command("seed_demo", "--quiet-sign-ins")  # a second run adds nothing
    with scopes_disabled():
        cambs = Partnership.objects.get(slug="cambridgeshire")
        titles = set(Programme.objects.filter(partnership=cambs).values_list("title", flat=True))
        assert titles == {"Preparing for headship (NPQH-style)", "Leading from the middle",
                          "Pastoral leadership programme", "Assessment and moderation training",
                          "Deputy heads' network"}
        assert Programme.objects.filter(partnership__slug="ealing").count() == 1
        calendar = school_calendar(partnership=cambs)
        sessions = Session.objects.filter(partnership=cambs)
        assert sessions.count() == 22 and all(calendar.is_school_day(s.date) for s in sessions)
        for cohort in Cohort.objects.filter(partnership=cambs):
            held = Place.objects.filter(cohort=cohort, status__in=("accepted", "offered")).count()
            assert cohort.taken == held <= cohort.places
            dates = list(Session.objects.filter(cohort=cohort).values_list("date", flat=True))
            assert (cohort.starts_on, cohort.ends_on) == (min(dates), max(dates))
            assert cohort.service is None or cohort.service.kind == "programme_place"
        statuses = set(Place.objects.filter(partnership=cambs).values_list("status", flat=True))
        assert statuses == {"accepted", "waitlisted", "offered", "nominated"}
        participant = User.objects.get(email=f"participant@{settings.DEMO_EMAIL_DOMAIN}")
        assert Membership.objects.get(user=participant, partnership=cambs).role == Role.PARTICIPANT
        assert Place.objects.filter(user=participant, status="accepted").count() == 2
        completed = Cohort.objects.get(partnership=cambs, status="completed")
        assert Evaluation.objects.filter(place__cohort=completed).count() == Place.objects.filter(
            cohort=completed).count() == 6
        assert AttendanceMark.objects.filter(session__cohort=completed).count() == 5 * 6
        assert Service.objects.filter(partnership=cambs, kind="programme_place", name="Leading from the middle place",
                                      catalogue__academic_year="2026-27").count() == 1
    assert client.login(email=f"participant@{settings.DEMO_EMAIL_DOMAIN}", password="demo-portal-2026")

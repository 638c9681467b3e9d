"""National-scale data for benchmarks: every school in England, 100 partnerships, 12,000 system leaders,
1,000 clusters. Idempotent: partnerships that exist are left alone. Run on PostgreSQL."""

from __future__ import annotations

import random
import time
from datetime import date, timedelta
from decimal import Decimal

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone
from django_scopes import scope

from alliances.importers import run_import
from alliances.models import (
    Alliance,
    AllianceSchool,
    Cluster,
    ClusterSchool,
    LeaderSpecialism,
    PartnershipSchool,
    School,
    Specialism,
    Status,
    SystemLeader,
)
from alliances.services import ensure_default_specialisms
from deployments.models import (
    CapacityEntry,
    Deployment,
    DeploymentStatus,
    Objective,
    Offer,
    RequestNeed,
    RequestStatus,
    Review,
    ReviewObjective,
    SupportRequest,
    Visit,
)
from portal.accounts.models import User
from portal.calendar.schooldays import TERM_ORDER, academic_year_of, conventional_term
from portal.tenancy.models import Membership, Partnership
from portal.tenancy.rls import owner_mode
from portal.tenancy.roles import Role
from programmes.courses.scale import seed_courses
from programmes.scale import seed_programmes

# Every England file with schools in it, oldest first: 46,096 schools (open and closed) once all are in.
SCALE_FILES = [
    # First, so each school without coordinates of its own is placed at its postcode district's centre (no England
    # file carries coordinates; without this, distance would count in matching for no school at scale).
    "postcodes/postcode_district_centroids_gb_from_nspd_nov2025.csv",
    "england/dfe_school_spine_2017_18.csv",
    "england/edubase_schools_in_england_2017_subset.csv",
    "england/dfe_school_details_2018.csv",
    "england/gias_all_schools_2022-11-02.csv",
    "england/gias_links_2025-04-22.csv",
    "england/gias_open_schools_2025-07-11.csv",
    "england/ofsted_ratings_history_2005_2020.csv",
]
BENCH_PASSWORD = "bench-portal-2026"


class Command(BaseCommand):
    help = "Build national-scale data for the benchmark (about 26,000 schools, 100 partnerships, 12,000 leaders)."

    def add_arguments(self, parser):
        parser.add_argument("--partnerships", type=int, default=100)
        parser.add_argument("--leaders", type=int, default=120, help="System leaders per partnership")
        parser.add_argument("--clusters", type=int, default=10, help="Clusters per partnership")
        parser.add_argument("--skip-import", action="store_true")
        parser.add_argument("--deployments", type=int, default=500,
                            help="Deployments per partnership (with their requests, offers, objectives and visits)")
        parser.add_argument("--orders", type=int, default=20_000,
                            help="Orders in the first scale partnership, with about 30 catalogue services")
        parser.add_argument("--charge-lines", type=int, default=100_000,
                            help="Charge lines of the first scale partnership's 2026-27 financial year")
        parser.add_argument("--cohorts", type=int, default=2000,
                            help="Programme cohorts in the first scale partnership (eight sessions each)")
        parser.add_argument("--participants", type=int, default=60_000,
                            help="Places on those cohorts (participants)")
        parser.add_argument("--register-marks", type=int, default=400_000, help="Register marks on their sessions")
        parser.add_argument("--matching-leaders", type=int, default=12_000,
                            help="System leaders in one extra partnership (scale-matching), for the matching benchmark")

    def handle(self, *args, partnerships, leaders, clusters, skip_import, matching_leaders, deployments, orders=20_000,
               charge_lines=100_000, cohorts=2000, participants=60_000, register_marks=400_000, **options):
        started = time.perf_counter()
        if not skip_import:
            for name in SCALE_FILES:
                t = time.perf_counter()
                report = run_import(settings.SHARED_DATA_DIR / name)
                self.stdout.write(f"{name}: {report.summary()} ({time.perf_counter() - t:.1f} s)")
        schools_by_la: dict[str, list[str]] = {}
        for urn, la in School.objects.filter(status=Status.OPEN).values_list("urn", "la_id"):
            schools_by_la.setdefault(la, []).append(urn)
        las = sorted(la for la in schools_by_la if la and len(schools_by_la[la]) >= 50)
        rng = random.Random(2026)
        for index in range(partnerships):
            slug = f"scale-{index + 1:03d}"
            if Partnership.objects.filter(slug=slug).exists():
                continue
            with transaction.atomic():
                self._partnership(slug, index, las, schools_by_la, rng, leaders, clusters)
            if (index + 1) % 10 == 0:
                self.stdout.write(f"  {index + 1} partnerships ({time.perf_counter() - started:.0f} s)")
        for partnership in Partnership.objects.filter(slug__startswith="scale-").exclude(slug="scale-matching"):
            with transaction.atomic(), scope(partnership=partnership):
                if not Deployment.objects.filter(partnership=partnership).exists():
                    self._brokerage(partnership, deployments, rng)
        self.stdout.write(f"  brokerage: {deployments} deployments a partnership ({time.perf_counter() - started:.0f} s)")
        for partnership in Partnership.objects.filter(slug__startswith="scale-").exclude(slug="scale-matching"):
            with transaction.atomic(), scope(partnership=partnership):
                self._impact(partnership, rng)
        self.stdout.write(f"  dashboards: need areas and reviews with impact ({time.perf_counter() - started:.0f} s)")
        first = Partnership.objects.filter(slug="scale-001").first()
        if first is not None and orders:
            with transaction.atomic(), scope(partnership=first):
                written = seed_programmes(first, user=User.objects.get(email="bench-broker-scale-001@bench.example"),
                                          orders=orders, charge_lines=charge_lines, rng=rng)
            self.stdout.write(f"  orders: {written[0]} orders and {written[1]} charge lines in scale-001 "
                              f"({time.perf_counter() - started:.0f} s)")
        if first is not None and cohorts:
            with transaction.atomic(), scope(partnership=first):
                written = seed_courses(first, user=User.objects.get(email="bench-broker-scale-001@bench.example"),
                                       cohorts=cohorts, participants=participants, marks=register_marks, rng=rng)
            self.stdout.write(f"  programmes: {written[0]} cohorts, {written[1]} places and {written[2]} register "
                              f"marks in scale-001 ({time.perf_counter() - started:.0f} s)")
        if matching_leaders and not Partnership.objects.filter(slug="scale-matching").exists():
            all_open = [urn for urns in schools_by_la.values() for urn in urns]
            with transaction.atomic():
                self._partnership("scale-matching", partnerships, las, {"x": all_open}, rng,
                                  matching_leaders, 0, las_override=["x"])
            self.stdout.write(f"  scale-matching: {matching_leaders} system leaders in one partnership")
        matching = Partnership.objects.filter(slug="scale-matching").first()
        if matching is not None:
            with transaction.atomic(), scope(partnership=matching):
                self._request_to_match(matching)
        self._analyze(started)
        self.stdout.write(self.style.SUCCESS(
            f"Scale data ready in {time.perf_counter() - started:.0f} s: {School.objects.count()} schools, "
            f"{Partnership.objects.count()} partnerships. Bench users: bench-<role>-<slug>@bench.example, "
            f"password {BENCH_PASSWORD}."
        ))

    def _partnership(self, slug, index, las, schools_by_la, rng, leaders, clusters, las_override=None):
        partnership = Partnership.objects.create(name=f"Scale partnership {index + 1}", slug=slug)
        with scope(partnership=partnership):
            ensure_default_specialisms(partnership=partnership)
            specialisms = list(Specialism.objects.filter(partnership=partnership).values_list("pk", flat=True))
            home_las = las_override or [las[(index * 2 + k) % len(las)] for k in range(2)]
            urns = [urn for la in home_las for urn in schools_by_la[la]]
            rng.shuffle(urns)
            members = urns[:max(250, leaders)]
            PartnershipSchool.objects.bulk_create([
                PartnershipSchool(partnership=partnership, school_id=u, is_member=rng.random() < 0.8) for u in members])
            for a in range(2):
                alliance = Alliance.objects.create(partnership=partnership, name=f"Alliance {a + 1}")
                AllianceSchool.objects.bulk_create(
                    [AllianceSchool(partnership=partnership, alliance=alliance, school_id=u, role="lead" if i == 0 else "member")
                     for i, u in enumerate(members[a * 20:(a + 1) * 20])])
            rows = []
            for n in range(leaders):
                designated = date(2021 + n % 5, 9, 1)
                rows.append(SystemLeader(
                    partnership=partnership, name=f"Leader {n + 1:03d} of {slug}", email=f"leader{n}@{slug}.example",
                    home_school_id=members[n % len(members)], designation=["SLE", "SLE", "LLE", "NLE", "NLG"][n % 5],
                    designated_on=designated, review_due=designated.replace(year=designated.year + 4),
                    capacity_days_per_term=Decimal(2 + n % 8), phase_primary=n % 2 == 0, phase_secondary=n % 2 == 1,
                    release_consent_by="Headteacher", release_consent_on=designated,
                ))
            created = SystemLeader.objects.bulk_create(rows)
            LeaderSpecialism.objects.bulk_create([
                LeaderSpecialism(partnership=partnership, leader=leader, specialism_id=s)
                for leader in created for s in rng.sample(specialisms, 3)])
            for c in range(clusters):
                cluster = Cluster.objects.create(partnership=partnership, name=f"Cluster {c + 1}", la_id=home_las[c % 2],
                                                 academic_year="2026-27", chair_school_id=members[c * 6])
                ClusterSchool.objects.bulk_create(
                    [ClusterSchool(partnership=partnership, cluster=cluster, school_id=u) for u in members[c * 6:c * 6 + 6]])
            for role in (Role.BROKER, Role.LA_OFFICER, Role.HEADTEACHER, Role.APPROVER, Role.SYSTEM_LEADER):
                user = User.objects.create_user(email=f"bench-{role.value.replace('_', '-')}-{slug}@bench.example",
                                                password=BENCH_PASSWORD)
                membership = Membership.objects.create(partnership=partnership, user=user, role=role)
                if membership.requires_mfa:
                    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "bench-only"})
                if role == Role.LA_OFFICER and not las_override:
                    membership.local_authorities.add(*home_las)

    def _analyze(self, started: float) -> None:
        if connection.vendor == "postgresql":
            # Last, after everything above: fresh planner statistics, as autovacuum keeps them in production.
            # Without them PostgreSQL guesses one row per table and picks nested loops that make the bench
            # figures meaningless. VACUUM too where it may run (not inside a transaction, as in a test): it
            # marks the pages all-visible, so counts can be answered from an index alone, as after autovacuum.
            # As the tables' owner: the application role may not analyze them (portal/tenancy/rls.py).
            statement = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            with owner_mode(connection), connection.cursor() as cursor:
                cursor.execute(statement)
            self.stdout.write(f"  {statement} ({time.perf_counter() - started:.0f} s)")

    def _request_to_match(self, partnership):
        """One request taken on in scale-matching, for the matching page of the bench (12,000 leaders ranked).
        Added once; its school is one of the partnership's schools, with three need areas."""
        if SupportRequest.objects.filter(partnership=partnership).exists():
            return
        broker = User.objects.get(email=f"bench-broker-{partnership.slug}@bench.example")
        school = (PartnershipSchool.objects.filter(partnership=partnership, school__easting__isnull=False)
                  .order_by("school_id").values_list("school_id", flat=True).first()
                  or PartnershipSchool.objects.filter(partnership=partnership).order_by("school_id")
                  .values_list("school_id", flat=True).first())
        now = timezone.now()
        request = SupportRequest.objects.create(
            partnership=partnership, school_id=school, created_by=broker, status=RequestStatus.TRIAGED,
            context="Scale data", success="Scale data", urgency="routine", days_wanted=Decimal(4),
            funding_route="core", consent_to_share=True, submitted_at=now, triaged_at=now, support_level="targeted",
            assigned_broker=broker)
        areas = Specialism.objects.filter(partnership=partnership).order_by("pk").values_list("pk", flat=True)[:3]
        RequestNeed.objects.bulk_create([RequestNeed(partnership=partnership, request=request, specialism_id=area)
                                         for area in areas])

    def _brokerage(self, partnership, count, rng):
        """Requests taken on and matched, with their accepted offers, deployments in every status, objectives,
        visits and capacity entries; the bench headteacher leads the first deployment's school and the bench
        system leader is its leader, so their pages have realistic lists."""
        slug = partnership.slug
        broker = User.objects.get(email=f"bench-broker-{slug}@bench.example")
        head = Membership.objects.get(partnership=partnership, user__email=f"bench-headteacher-{slug}@bench.example")
        leader_user = User.objects.get(email=f"bench-system-leader-{slug}@bench.example")
        leaders = list(SystemLeader.objects.filter(partnership=partnership).order_by("pk"))
        SystemLeader.objects.filter(pk=leaders[0].pk).update(user=leader_user)
        schools = list(PartnershipSchool.objects.filter(partnership=partnership).values_list("school_id", flat=True))
        head.schools.add(schools[0])
        area = Specialism.objects.filter(partnership=partnership).order_by("pk").first()
        statuses = [DeploymentStatus.COMPLETED] * 5 + [DeploymentStatus.ACTIVE] * 3 + [
            DeploymentStatus.PROPOSED, DeploymentStatus.APPROVED, DeploymentStatus.STOPPED, DeploymentStatus.PAUSED]
        now = timezone.now()
        requests = SupportRequest.objects.bulk_create([
            SupportRequest(partnership=partnership, school_id=schools[0] if n % 25 == 0 else rng.choice(schools),
                           created_by=broker, status=RequestStatus.MATCHED, context="Scale data", success="Scale data",
                           urgency="routine", days_wanted=Decimal(3), funding_route="core", consent_to_share=True,
                           submitted_at=now, triaged_at=now, support_level="targeted", assigned_broker=broker)
            for n in range(count)])
        offers = Offer.objects.bulk_create([
            Offer(partnership=partnership, request=r, leader=leaders[0] if n % 20 == 0 else rng.choice(leaders),
                  status="accepted", offered_by=broker, expires_at=now, responded_at=now)
            for n, r in enumerate(requests)])
        start = date(2025, 9, 1)
        deployments = Deployment.objects.bulk_create([
            Deployment(partnership=partnership, request=r, offer=o, school_id=r.school_id, leader_id=o.leader_id,
                       status=statuses[n % len(statuses)], days=Decimal(3), rate_kind="member", day_rate=Decimal(350),
                       funder="school", start_date=start + timedelta(days=n % 400),
                       end_date=start + timedelta(days=n % 400 + 60), proposed_by=broker, proposed_at=now)
            for n, (r, o) in enumerate(zip(requests, offers, strict=True))])
        Objective.objects.bulk_create([
            Objective(partnership=partnership, deployment=d, area=area, description="Scale objective",
                      success_criteria="Scale criteria") for d in deployments])
        Visit.objects.bulk_create([
            Visit(partnership=partnership, deployment=d, visit_date=d.start_date + timedelta(days=7 * k), days=Decimal(1),
                  focus="Scale visit", status="confirmed", logged_by=broker)
            for d in deployments if d.status in (DeploymentStatus.ACTIVE, DeploymentStatus.COMPLETED) for k in range(2)])
        # Each deployment's days on the ledger in the term it starts in, as accepting one commits them: the
        # deployments start over 400 days from September 2025, so both academic years have days committed.
        CapacityEntry.objects.bulk_create([
            CapacityEntry(partnership=partnership, leader_id=d.leader_id, deployment=d, days=d.days,
                          term_key=_term_key(d.start_date)) for d in deployments])

    def _impact(self, partnership, rng):
        """Need areas on every request and termly reviews (agreed, with Red/Amber/Green and impact scores) for
        deployments that ran, so the dashboards have realistic figures. Skipped once a partnership has reviews."""
        if Review.objects.filter(partnership=partnership).exists():
            return
        areas = list(Specialism.objects.filter(partnership=partnership).values_list("pk", flat=True))
        RequestNeed.objects.bulk_create([
            RequestNeed(partnership=partnership, request_id=pk, specialism_id=area)
            for pk in SupportRequest.objects.filter(partnership=partnership).values_list("pk", flat=True)
            for area in rng.sample(areas, 1 + (pk % 2))], ignore_conflicts=True)
        ran = list(Deployment.objects.filter(partnership=partnership, status__in=(
            DeploymentStatus.ACTIVE, DeploymentStatus.COMPLETED, DeploymentStatus.PAUSED, DeploymentStatus.STOPPED))
            .values_list("pk", "start_date", "status"))
        reviews = Review.objects.bulk_create([
            Review(partnership=partnership, deployment_id=pk, term_key=f"{start.year}-{str(start.year + 1)[2:]} autumn"
                   if start.month >= 9 else f"{start.year - 1}-{str(start.year)[2:]} spring",
                   due_on=start + timedelta(days=45),
                   status="agreed" if status == DeploymentStatus.COMPLETED or n % 3 else "due",
                   impact_score=rng.choice([5, 6, 7, 8, 8, 9, 9, 10]) if status == DeploymentStatus.COMPLETED or n % 3
                   else None, overall_progress="Scale review")
            for n, (pk, start, status) in enumerate(ran)])
        objective_of = dict(Objective.objects.filter(partnership=partnership).values_list("deployment_id", "pk"))
        ReviewObjective.objects.bulk_create([
            ReviewObjective(partnership=partnership, review=r, objective_id=objective_of[r.deployment_id],
                            rag=rng.choice(["red", "amber", "amber", "green", "green", "green"]), evidence="Scale")
            for r in reviews if r.status == "agreed" and r.deployment_id in objective_of])


def _term_key(day: date) -> str:
    """The ledger's key of the term `day` falls in, by the usual term dates (a holiday counts to the next term)."""
    year = academic_year_of(day)
    name = next((name for name in TERM_ORDER if day <= conventional_term(year, name).end), "summer")
    return f"{year} {name}"

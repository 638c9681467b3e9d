"""Server time for each directory page at scale: `manage.py bench [--partnership SLUG] [--requests N]`.

Each page is requested N times in-process through the full middleware stack (sessions, tenancy,
scopes, templates) and p50/p95 are reported next to a minimal tenant page (a headteacher's home,
rendered with the same middleware and layout). Run after `seed_scale`, on PostgreSQL.
"""

from __future__ import annotations

import statistics
import time
from datetime import date
from decimal import Decimal

from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import override_settings
from django_scopes import scope

from alliances.models import Cluster, School, Specialism, SystemLeader
from deployments.brokerage.matching import rank_candidates
from deployments.models import Deployment, Review
from deployments.reviews.reminders import run_reminders
from portal.accounts.models import User
from portal.tenancy.models import Membership, Partnership
from portal.tenancy.rls import cross_partnership
from programmes.models import Catalogue, ChargeLine, Order


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


class Command(BaseCommand):
    help = "Measure p50/p95 server time of the directory pages at national scale."

    def add_arguments(self, parser):
        parser.add_argument("--partnership", default="scale-050")
        parser.add_argument("--requests", type=int, default=100)
        parser.add_argument("--orders-partnership", default="scale-001",
                            help="The partnership seed_scale gave its orders and charge lines")
        parser.add_argument("--reminders", action="store_true",
                            help="Also time the daily reminder run with every scale deployment active (rolled back)")

    def handle(self, *args, partnership, requests, reminders=False, orders_partnership="scale-001", **options):
        slug = partnership
        with cross_partnership("bench command: set-up across partnerships"):
            try:
                broker = User.objects.get(email=f"bench-broker-{slug}@bench.example")
                officer = User.objects.get(email=f"bench-la-officer-{slug}@bench.example")
                head = User.objects.get(email=f"bench-headteacher-{slug}@bench.example")
                approver = User.objects.get(email=f"bench-approver-{slug}@bench.example")
                leader_user = User.objects.get(email=f"bench-system-leader-{slug}@bench.example")
            except User.DoesNotExist:
                raise CommandError(f"No bench users for {slug}: run `manage.py seed_scale` first.") from None
            leader = SystemLeader.objects.filter(partnership__slug=slug).order_by("pk").first()
            cluster = Cluster.objects.filter(partnership__slug=slug).order_by("pk").first()
            school = leader.home_school_id
            deployment = Deployment.objects.filter(partnership__slug=slug, leader__user=leader_user).order_by("pk").first()
            if deployment is None:
                raise CommandError(f"No deployments in {slug}: run `manage.py seed_scale` again to add them.")
            officer_las = list(Membership.objects.get(partnership__slug=slug, user=officer).local_authorities.values_list(
                "code", flat=True))
            officer_deployment = Deployment.objects.filter(partnership__slug=slug, school__la__in=officer_las).order_by(
                "pk").values_list("pk", flat=True).first()
        base = f"/p/{slug}"
        pages = [
            (head, "minimal tenant page (headteacher home)", f"{base}/"),
            (broker, "schools list", f"{base}/schools/"),
            (broker, "schools list, filtered and sorted", f"{base}/schools/?phase=primary&sort=-pupils"),
            (broker, "schools search", f"{base}/schools/?q=academy"),
            (broker, "school detail", f"{base}/schools/{school}/"),
            (broker, "system leaders list", f"{base}/system-leaders/"),
            (broker, "system leaders by specialism", f"{base}/system-leaders/?phase=phase_primary&sort=review"),
            (broker, "system leader detail", f"{base}/system-leaders/{leader.pk}/"),
            (broker, "clusters list", f"{base}/clusters/"),
            (broker, "cluster detail", f"{base}/clusters/{cluster.pk}/"),
            (officer, "schools list (LA officer)", f"{base}/schools/"),
            (officer, "system leaders list (LA officer)", f"{base}/system-leaders/"),
            (broker, "broker home (work queues)", f"{base}/"),
            (broker, "deployments list", f"{base}/deployments/"),
            (broker, "deployments list, filtered", f"{base}/deployments/?status=active"),
            (broker, "deployment detail", f"{base}/deployments/{deployment.pk}/"),
            (broker, "request detail (offers, timeline)", f"{base}/requests/{deployment.request_id}/"),
            (head, "deployment agreement (headteacher)", f"{base}/deployments/{deployment.pk}/agreement/"),
            (approver, "approver home", f"{base}/"),
            (leader_user, "system leader home (capacity)", f"{base}/"),
            (leader_user, "offers list (system leader)", f"{base}/offers/"),
            (leader_user, "deployments list (system leader)", f"{base}/deployments/"),
            (broker, "dashboard, whole partnership", f"{base}/dashboards/"),
            (broker, "dashboard, last year, one term", f"{base}/dashboards/?year=2025-26&term=spring"),
            (broker, "dashboard, filtered (phase, designation)", f"{base}/dashboards/?phase=primary&designation=SLE"),
            (officer, "dashboard (LA officer)", f"{base}/dashboards/"),
            (officer, "dashboard by cluster (LA officer)", f"{base}/dashboards/?la={cluster.la_id}"),
            (officer, "dashboard one cluster (LA officer)", f"{base}/dashboards/?la={cluster.la_id}&cluster={cluster.pk}"),
            (officer, "dashboard export, Excel (LA officer)", f"{base}/dashboards/export.xlsx?table=capacity"),
        ]
        if officer_deployment:
            pages.append((officer, "dashboard deployment (LA officer)", f"{base}/dashboards/deployments/{officer_deployment}/"))
        self.stdout.write(f"{School.objects.count()} schools; {connection.vendor}; {requests} requests per page\n")
        self.stdout.write(f"{'page':<40} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8}")
        clients: dict[int, Client] = {}
        with override_settings(DEBUG=False, ALLOWED_HOSTS=["*"]):
            for user, label, url in pages:
                client = clients.get(user.pk)
                if client is None:
                    client = clients[user.pk] = Client()
                    client.force_login(user)
                    # A full sign-in: the bench staff users have TOTP, and this session passed it.
                    session = client.session
                    session[AUTHENTICATION_METHODS_SESSION_KEY] = [{"method": "mfa", "at": time.time(), "type": "totp"}]
                    session[AUTHENTICATION_METHODS_SESSION_KEY + "_user"] = str(user.pk)
                    session.save()
                response = client.get(url)
                if response.status_code != 200:
                    raise CommandError(f"{url} answered {response.status_code}")
                timings = []
                for _ in range(requests):
                    started = time.perf_counter()
                    client.get(url)
                    timings.append((time.perf_counter() - started) * 1000)
                with override_settings(DEBUG=True):
                    reset_queries()
                    client.get(url)
                    queries = len(connection.queries)
                self.stdout.write(f"{label:<40} {statistics.median(timings):>8.1f} {percentile(timings, 95):>8.1f} "
                                  f"{max(timings):>8.1f} {queries:>8}")
        self._matching(requests)
        self._orders(orders_partnership, requests)
        if reminders:
            self._reminders()

    def _signed_in(self, user) -> Client:
        client = Client()
        client.force_login(user)
        session = client.session
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [{"method": "mfa", "at": time.time(), "type": "totp"}]
        session[AUTHENTICATION_METHODS_SESSION_KEY + "_user"] = str(user.pk)
        session.save()
        return client

    def _orders(self, slug: str, requests: int) -> None:
        """The orders and finance pages of the partnership that has seed_scale's orders; the export is read to its
        last byte, as a download would be."""
        with cross_partnership("bench: the orders partnership's sample rows"):
            order = Order.objects.filter(partnership__slug=slug).order_by("pk").first()
            if order is None:
                self.stdout.write(f"\nNo orders in {slug}: run `manage.py seed_scale` to add them.")
                return
            broker = User.objects.get(email=f"bench-broker-{slug}@bench.example")
            catalogue = Catalogue.objects.filter(partnership__slug=slug).order_by("-academic_year").first()
            lines = ChargeLine.objects.filter(partnership__slug=slug, financial_year="2026-27").count()
        base = f"/p/{slug}"
        pages = [
            ("catalogues", f"{base}/catalogues/", requests),
            ("catalogue page", f"{base}/catalogues/{catalogue.pk}/", requests),
            ("take-up and income", f"{base}/dashboards/take-up/?year={catalogue.academic_year}", requests),
            ("orders list", f"{base}/orders/", requests),
            ("orders waiting (filtered list)", f"{base}/orders/?status=submitted", requests),
            ("order page", f"{base}/orders/{order.pk}/", requests),
            ("school page with statement", f"{base}/schools/{order.school_id}/account/?year=2026-27&fy=2026-27",
             requests),
            ("finance totals per school", f"{base}/finance/?fy=2026-27", max(5, requests // 10)),
            (f"finance export CSV ({lines} lines)", f"{base}/finance/export.csv?fy=2026-27", 3),
        ]
        client = self._signed_in(broker)
        self.stdout.write(f"\n{'orders and finance (' + slug + ')':<40} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
                          f"{'queries':>8}")
        with override_settings(DEBUG=False, ALLOWED_HOSTS=["*"]):
            for label, url, times in pages:
                timings = []
                for _ in range(times + 1):
                    started = time.perf_counter()
                    response = client.get(url)
                    if response.status_code != 200:
                        raise CommandError(f"{url} answered {response.status_code}")
                    if response.streaming:
                        b"".join(response.streaming_content)
                    timings.append((time.perf_counter() - started) * 1000)
                timings = timings[1:]  # the first request warms caches
                with override_settings(DEBUG=True):
                    reset_queries()
                    response = client.get(url)
                    if response.streaming:
                        b"".join(response.streaming_content)
                    queries = len(connection.queries)
                self.stdout.write(f"{label:<40} {statistics.median(timings):>8.1f} {percentile(timings, 95):>8.1f} "
                                  f"{max(timings):>8.1f} {queries:>8}")

    def _reminders(self) -> None:
        """The daily run over every partnership with all 50,000 scale deployments active, twice: the first run
        creates their termly reviews, the second is an ordinary day. Rolled back afterwards."""
        class Rollback(Exception):
            pass

        try:
            with transaction.atomic(), cross_partnership("bench command: scale deployments made active (rolled back)"):
                active = Deployment.objects.filter(partnership__slug__startswith="scale-").update(
                    status="active", start_date=date(2026, 9, 7), end_date=date(2027, 3, 19))
                for label in ("first run (creates the reviews)", "daily run"):
                    with override_settings(DEBUG=True):
                        reset_queries()
                        started = time.perf_counter()
                        summary = run_reminders(today=date(2026, 12, 3))
                        seconds = time.perf_counter() - started
                        queries = len(connection.queries)
                    self.stdout.write(
                        f"\nreminder {label}: {active} active deployments, {summary.partnerships} partnerships, "
                        f"{summary.reviews_created} reviews created, {summary.reminders} reminders written, "
                        f"{seconds:.1f} s, {queries} queries ({Review.objects.count()} reviews in all)")
                raise Rollback
        except Rollback:
            pass

    def _matching(self, requests: int) -> None:
        """Rank every system leader of the largest partnership for one request (the matching service alone)."""
        with cross_partnership("bench command: the largest partnership"):
            counts = SystemLeader.objects.values("partnership").annotate(n=Count("pk")).order_by("-n").first()
            if not counts:
                return
            partnership = Partnership.objects.get(pk=counts["partnership"])
            needs = list(Specialism.objects.filter(partnership=partnership).values_list("pk", "group")[:3])
            school = School.objects.exclude(easting=None).first() or School.objects.first()
        timings = []
        with scope(partnership=partnership):
            for _ in range(max(5, requests // 5)):
                started = time.perf_counter()
                ranked, excluded = rank_candidates(
                    partnership=partnership, school=school, need_ids=[n for n, _ in needs],
                    need_groups={g for _, g in needs}, days_wanted=Decimal(4), support_level="targeted")
                timings.append((time.perf_counter() - started) * 1000)
        self.stdout.write(f"\nmatching one request against {counts['n']} system leaders ({partnership.slug}): "
                          f"p50 {statistics.median(timings):.1f} ms, p95 {percentile(timings, 95):.1f} ms, "
                          f"{len(ranked)} ranked, {len(excluded)} excluded")

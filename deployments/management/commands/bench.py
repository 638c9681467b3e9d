"""Server time for each page at scale: `manage.py bench [--partnership SLUG] [--requests N] [--http]`.

The floor first: a view that answers "ok" behind the full middleware stack (session, sign-in, two-factor
check, membership, the partnership's scope; `tenant:ping`). Each page is then requested N times in-process
through the same stack (the process frozen for the collector once warm, as `portal/wsgi.py` freezes a worker)
and its p50 and p95 are reported as multiples of the floor's, measured in the same run.

`--http` then serves the app with gunicorn (2 workers, DEBUG off) on 127.0.0.1 only and drives the main pages
with a bounded load generator (threads and http.client, signed-in session cookies; at most --http-requests
requests or --http-seconds seconds per page and level) at 1, 8 and 32 concurrent clients: requests/s, p50, p95
and errors per page, next to the floor's. Run after `seed_scale`, on PostgreSQL.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import time
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import override_settings
from django_scopes import scope

from alliances.models import Cluster, School, Specialism, SystemLeader
from deployments.brokerage.matching import rank_candidates
from deployments.management.load import LOOPBACK, drive, serve
from deployments.management.measure import measure, percentile, signed_in
from deployments.models import Deployment, Review, SupportRequest
from deployments.reviews.reminders import run_reminders
from portal.accounts.models import User
from portal.tenancy.models import Membership, Partnership
from portal.tenancy.rls import cross_partnership
from programmes.models import Catalogue, ChargeLine, Cohort, Order, Place, Session

FLOOR = 'floor: "ok" behind the full middleware'


class Command(BaseCommand):
    help = "Measure p50/p95 server time of the directory pages at national scale."

    def add_arguments(self, parser):
        parser.add_argument("--partnership", default="scale-050")
        parser.add_argument("--requests", type=int, default=100)
        parser.add_argument("--orders-partnership", default="scale-001", help="seed_scale's one with orders")
        parser.add_argument("--reminders", action="store_true",
                            help="Also time the daily reminder run with every scale deployment active (rolled back)")
        parser.add_argument("--matching-partnership", default="scale-matching",
                            help="The partnership seed_scale gave 12,000 system leaders and one request to match")
        parser.add_argument("--http", action="store_true",
                            help="Also serve the app with gunicorn on 127.0.0.1 and load the main pages over HTTP")
        parser.add_argument("--port", type=int, default=8003, help="gunicorn's port on 127.0.0.1 (--http)")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (--http)")
        parser.add_argument("--concurrency", default="1,8,32", help="Concurrent clients, comma-separated (--http)")
        parser.add_argument("--http-requests", type=int, default=400, help="At most this many a page and level (--http)")
        parser.add_argument("--http-seconds", type=float, default=4.0,
                            help="At most this many seconds per page and level (--http)")
        parser.add_argument("--in-process", action=argparse.BooleanOptionalAction, default=True,
                            help="Time every page in-process (--no-in-process with --http for the HTTP table only)")
        parser.add_argument("--only", default="", help="Only the pages whose label has one of these comma-separated "
                            "words (and the floor); the matching service's own line is skipped")

    def handle(self, *args, partnership, requests, reminders=False, orders_partnership="scale-001",
               matching_partnership="scale-matching", http=False, port=8003, workers=2, concurrency="1,8,32",
               http_requests=400, http_seconds=4.0, in_process=True, only="", **options):
        pages = self._pages(partnership, matching_partnership)
        words = [word.strip().lower() for word in only.split(",") if word.strip()]
        if words:
            pages = [pages[0]] + [page for page in pages[1:] if any(word in page[1].lower() for word in words)]
        self.only = words
        if in_process:
            self._in_process(pages, requests)
            if not words:
                self._matching(requests)
            self._downloads(pages)
            self._orders(orders_partnership, requests)
            self._courses(orders_partnership, requests)
            if reminders:
                self._reminders()
        if http:
            levels = [int(n) for n in concurrency.split(",") if n.strip()]
            over_http = [page for page in pages if page[3]] + self._http_reports(orders_partnership, words)
            self._http(over_http, port=port, workers=workers, levels=levels, max_requests=http_requests,
                       max_seconds=http_seconds)

    def _http_reports(self, slug: str, words: list[str]) -> list[tuple]:
        """The orders partnership's reports and busiest list, also loaded over HTTP: (user, label, url, True)."""
        with cross_partnership("bench: the orders partnership's reports over HTTP"):
            broker = User.objects.filter(email=f"bench-broker-{slug}@bench.example").first()
            year = Cohort.objects.filter(partnership__slug=slug).order_by("-taken", "pk").values_list(
                "academic_year", flat=True).first()
            catalogue_year = Catalogue.objects.filter(partnership__slug=slug).order_by("-academic_year").values_list(
                "academic_year", flat=True).first()
        if broker is None:
            return []
        pages = [(broker, "orders list", f"/p/{slug}/orders/", True)]
        if catalogue_year:
            pages.append((broker, "take-up and income", f"/p/{slug}/dashboards/take-up/?year={catalogue_year}", True))
        if year:
            pages.append((broker, "programme reports", f"/p/{slug}/programme-reports/?year={year}", True))
        return [page for page in pages if not words or any(word in page[1].lower() for word in words)]

    def _pages(self, slug: str, matching_slug: str) -> list[tuple]:
        """(user, label, url, also over HTTP) for every page, the floor first."""
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
            to_match = SupportRequest.objects.filter(partnership__slug=matching_slug).order_by("pk").first()
            matching_broker = User.objects.filter(email=f"bench-broker-{matching_slug}@bench.example").first()
            leaders_to_match = SystemLeader.objects.filter(partnership__slug=matching_slug).count()
        base = f"/p/{slug}"
        pages = [
            (broker, FLOOR, f"{base}/ping/", True),
            (head, "minimal tenant page (headteacher home)", f"{base}/", False),
            (broker, "schools list", f"{base}/schools/", True),
            (broker, "schools list, filtered and sorted", f"{base}/schools/?phase=primary&sort=-pupils", False),
            (broker, "schools search", f"{base}/schools/?q=academy", True),
            (broker, "schools search by postcode", f"{base}/schools/?q=cb24+9lq", False),
            (broker, "school detail", f"{base}/schools/{school}/", False),
            (broker, "system leaders list", f"{base}/system-leaders/", False),
            (broker, "system leaders by specialism", f"{base}/system-leaders/?phase=phase_primary&sort=review", False),
            (broker, "system leader detail", f"{base}/system-leaders/{leader.pk}/", False),
            (broker, "clusters list", f"{base}/clusters/", False),
            (broker, "cluster detail", f"{base}/clusters/{cluster.pk}/", False),
            (officer, "schools list (LA officer)", f"{base}/schools/", False),
            (officer, "system leaders list (LA officer)", f"{base}/system-leaders/", False),
            (broker, "broker home (work queues)", f"{base}/", True),
            (broker, "deployments list", f"{base}/deployments/", False),
            (broker, "deployments list, filtered", f"{base}/deployments/?status=active", False),
            (broker, "deployment detail", f"{base}/deployments/{deployment.pk}/", True),
            (broker, "request detail (offers, timeline)", f"{base}/requests/{deployment.request_id}/", False),
            (head, "deployment agreement (headteacher)", f"{base}/deployments/{deployment.pk}/agreement/", False),
            (approver, "approver home", f"{base}/", False),
            (leader_user, "system leader home (capacity)", f"{base}/", False),
            (leader_user, "offers list (system leader)", f"{base}/offers/", False),
            (leader_user, "deployments list (system leader)", f"{base}/deployments/", False),
            (broker, "dashboard, whole partnership", f"{base}/dashboards/", True),
            (broker, "dashboard, last year, one term", f"{base}/dashboards/?year=2025-26&term=spring", False),
            (broker, "dashboard, filtered (phase, designation)", f"{base}/dashboards/?phase=primary&designation=SLE",
             False),
            (officer, "dashboard (LA officer)", f"{base}/dashboards/", False),
            (officer, "dashboard by cluster (LA officer)", f"{base}/dashboards/?la={cluster.la_id}", False),
            (officer, "dashboard one cluster (LA officer)", f"{base}/dashboards/?la={cluster.la_id}&cluster={cluster.pk}",
             False),
            (officer, "dashboard export, Excel (LA officer)", f"{base}/dashboards/export.xlsx?table=capacity", False),
        ]
        if officer_deployment:
            pages.append((officer, "dashboard deployment (LA officer)", f"{base}/dashboards/deployments/{officer_deployment}/",
                          False))
        if to_match is not None and matching_broker is not None:
            pages.append((matching_broker, f"matching, {leaders_to_match} leaders",
                          f"/p/{matching_slug}/requests/{to_match.pk}/candidates/", True))
        return pages

    def _in_process(self, pages: list[tuple], requests: int) -> None:
        """Each page's requests alternate with the floor's, so its multiple is taken under the same load (a shared
        machine's load moves within a run); the floor's own row is all of its samples."""
        self.stdout.write(f"{School.objects.count()} schools; {connection.vendor}; {requests} requests per page, "
                          "each followed by one of the floor\n")
        self.stdout.write(f"{'page':<40} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'x floor':>8} {'p95 x':>8} "
                          f"{'queries':>8}")
        clients: dict[int, Client] = {}
        floor_user, _, floor_url, _ = pages[0]
        floor_samples: list[float] = []
        rows = []
        with override_settings(DEBUG=False, ALLOWED_HOSTS=["*"]):
            floor_client = clients[floor_user.pk] = signed_in(floor_user)
            for user in {user.pk: user for user, *_ in pages if user.pk not in clients}.values():
                clients[user.pk] = signed_in(user)
            gc.collect()
            gc.freeze()  # as portal/wsgi.py does once the application is loaded
            for user, label, url, _ in pages:
                client = clients[user.pk]
                response = client.get(url)
                if response.status_code != 200:
                    raise CommandError(f"{url} answered {response.status_code}")
                timings, beside = [], []
                for _ in range(requests):
                    started = time.perf_counter()
                    client.get(url)
                    timings.append((time.perf_counter() - started) * 1000)
                    if url == floor_url:
                        continue
                    started = time.perf_counter()
                    floor_client.get(floor_url)
                    beside.append((time.perf_counter() - started) * 1000)
                beside = beside or timings  # the floor against itself
                floor_samples += beside
                with override_settings(DEBUG=True):
                    reset_queries()
                    client.get(url)
                    queries = len(connection.queries)
                rows.append((label, timings, beside, queries))
        for label, timings, beside, queries in rows:
            p50, p95 = statistics.median(timings), percentile(timings, 95)
            floor50, floor95 = statistics.median(beside), percentile(beside, 95)
            self.stdout.write(f"{label:<40} {p50:>8.1f} {p95:>8.1f} {max(timings):>8.1f} {p50 / floor50:>7.1f}x "
                              f"{p95 / floor95:>7.1f}x {queries:>8}")
        self.stdout.write(f"(the floor over the whole run: p50 {statistics.median(floor_samples):.1f} ms, "
                          f"p95 {percentile(floor_samples, 95):.1f} ms)")

    def _http(self, pages: list[tuple], *, port: int, workers: int, levels: list[int], max_requests: int,
              max_seconds: float) -> None:
        """gunicorn on 127.0.0.1 with DEBUG off, loaded by `drive` at each level of concurrency."""
        cookies = {}
        for user, *_ in pages:
            if user.pk not in cookies:
                client = signed_in(user)
                cookies[user.pk] = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        server = serve(port=port, workers=workers)
        try:
            for user, _label, url, _ in pages:  # warm every worker's caches (templates, URL resolvers, plans)
                load = drive(port=port, path=url, cookie=cookies[user.pk], clients=workers, max_requests=workers * 3,
                             max_seconds=30)
                if load.errors:
                    raise CommandError(f"{url} failed over HTTP ({load.errors} of {load.errors + load.ok} requests)")
            self.stdout.write(f"\nover HTTP: gunicorn, {workers} workers, DEBUG off, {LOOPBACK}:{port}; at most "
                              f"{max_requests} requests or {max_seconds:g} s per page and level")
            self.stdout.write(f"{'page':<40} {'clients':>7} {'req/s':>8} {'x floor':>8} {'p50 ms':>8} {'p95 ms':>8} "
                              f"{'errors':>7}")
            # Each page's run follows a run of the floor at the same concurrency, so the share of the floor's
            # requests/s is taken under the same load; the floor's row is its first run at each level.
            floor_user, _, floor_url, _ = pages[0]
            results = {}
            for user, label, url, _ in pages[1:]:
                for clients in levels:
                    floor = drive(port=port, path=floor_url, cookie=cookies[floor_user.pk], clients=clients,
                                  max_requests=max_requests, max_seconds=max_seconds)
                    results.setdefault((pages[0][1], clients), (floor, floor))
                    load = drive(port=port, path=url, cookie=cookies[user.pk], clients=clients,
                                 max_requests=max_requests, max_seconds=max_seconds)
                    results[(label, clients)] = (load, floor)
            for _, label, _, _ in pages:
                for clients in levels:
                    load, floor = results[(label, clients)]
                    share = load.per_second / floor.per_second if floor.per_second else 0.0
                    p50 = statistics.median(load.timings) if load.timings else 0.0
                    p95 = percentile(load.timings, 95) if load.timings else 0.0
                    self.stdout.write(f"{label:<40} {clients:>7} {load.per_second:>8.1f} {share:>7.2f}x {p50:>8.1f} "
                                      f"{p95:>8.1f} {load.errors:>7}")
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    def _downloads(self, pages: list[tuple]) -> None:
        """The directory's CSV downloads of the bench partnership, read to the last byte: every school in England
        (what a partnership that sees them all downloads), the leaders and the clusters."""
        broker, _, floor, _ = pages[0]
        base = floor.removesuffix("/ping/")
        self._measure(f"downloads ({base.rsplit('/', 1)[-1]})", signed_in(broker), [
            (f"schools CSV, all {School.objects.count()} schools", f"{base}/schools/export.csv", 5),
            ("schools CSV, a search", f"{base}/schools/export.csv?q=academy", 10),
            ("system leaders CSV", f"{base}/system-leaders/export.csv", 10),
            ("clusters CSV", f"{base}/clusters/export.csv", 10),
        ], floor=floor)

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
        self._measure(f"orders and finance ({slug})", signed_in(broker), [
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
            (f"finance export Excel ({lines} lines)", f"{base}/finance/export.xlsx?fy=2026-27", 3),
        ], floor=f"{base}/ping/")

    def _measure(self, title: str, client: Client, pages: list[tuple[str, str, int]], floor: str) -> None:
        pages = [page for page in pages if not self.only or any(word in page[0].lower() for word in self.only)]
        if pages:
            measure(self.stdout.write, title, client, pages, floor)

    def _courses(self, slug: str, requests: int) -> None:
        """The programme pages of the partnership that has seed_scale's cohorts: the list, the programme with the
        most cohorts, and the cohort with the most places and register marks."""
        with cross_partnership("bench: the programmes partnership's sample rows"):
            cohort = (Cohort.objects.filter(partnership__slug=slug).order_by("-places", "pk").first())
            if cohort is None:
                self.stdout.write(f"\nNo cohorts in {slug}: run `manage.py seed_scale` to add them.")
                return
            broker = User.objects.get(email=f"bench-broker-{slug}@bench.example")
            places = Place.objects.filter(cohort=cohort).count()
            # Delivery (registers, attendance, reports): the fullest cohort's first session.
            fullest = Cohort.objects.filter(partnership__slug=slug).order_by("-taken", "pk").first()
            session = Session.objects.filter(cohort=fullest).order_by("date", "pk").first()
        base, year = f"/p/{slug}", fullest.academic_year
        pages = [("programmes list", f"{base}/programmes/", requests),
                 ("programme page (its cohorts)", f"{base}/programmes/{cohort.programme_id}/", requests),
                 (f"cohort page ({places} places)", f"{base}/cohorts/{cohort.pk}/", requests),
                 ("participants and attendance", f"{base}/cohorts/{fullest.pk}/participants/", requests),
                 ("programme reports", f"{base}/programme-reports/?year={year}", requests),
                 ("programme reports CSV", f"{base}/programme-reports/export.csv?year={year}", 3)]
        if session is not None:
            pages.insert(3, (f"register ({fullest.taken} places)", f"{base}/sessions/{session.pk}/register/", requests))
        self._measure(f"programmes and cohorts ({slug})", signed_in(broker), pages, floor=f"{base}/ping/")

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

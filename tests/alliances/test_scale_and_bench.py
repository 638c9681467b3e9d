"""The scale seeder and the benchmark run end to end (on a small scale here; the real figures are in the README)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command
from django_scopes import scopes_disabled

from alliances.importers import run_import
from alliances.models import Cluster, School, SystemLeader
from portal.tenancy.models import Partnership


def _a_cohort(slug: str) -> None:
    """A programme cohort with two participants, for bench's delivery pages (seed_scale may make none)."""
    from datetime import date

    from portal.accounts.models import User
    from tests.factories.delivery import dl_cohort, dl_place, dl_programme

    with scopes_disabled():
        partnership = Partnership.objects.get(slug=slug)
        user = User.objects.get(email=f"bench-broker-{slug}@bench.example")
        school = School.objects.order_by("urn").first()
        cohort = dl_cohort(dl_programme(partnership, created_by=user), created_by=user, first=date(2026, 10, 1))
        for name in ("Sam Bench", "Kim Bench"):
            dl_place(cohort, school, nominated_by=user, name=name)


@pytest.mark.django_db
def test_seed_scale_then_bench_measure_every_page(capsys):
    run_import(settings.SHARED_DATA_DIR / "east_and_ealing" / "dfe_school_spine_2017_18.csv")
    args = ["--partnerships", "2", "--leaders", "6", "--clusters", "2", "--skip-import", "--matching-leaders", "30",
            "--cohorts", "20", "--participants", "300", "--register-marks", "1000"]
    call_command("seed_scale", *args)
    call_command("seed_scale", *args)  # idempotent
    with scopes_disabled():
        assert Partnership.objects.filter(slug__startswith="scale-").count() == 3  # two, plus scale-matching
        assert SystemLeader.objects.count() == 12 + 30 and Cluster.objects.count() == 4
        from deployments.models import Deployment

        assert Deployment.objects.count() == 2 * 500  # scale-matching has leaders only
        from deployments.models import RequestNeed, Review

        assert Review.objects.filter(status="agreed", impact_score__isnull=False).exists()
        assert RequestNeed.objects.count() >= 1000  # every request has one or two need areas
    _a_cohort("scale-001")
    capsys.readouterr()
    call_command("bench", "--partnership", "scale-001", "--requests", "3")
    out = capsys.readouterr().out
    pages, _, downloads = out.partition("downloads (scale-001)")
    downloads, _, orders = downloads.partition("orders and finance (scale-001)")
    # The directory's downloads, each read to its last byte, with when its first bytes came under it.
    download_lines = [line for line in downloads.splitlines() if line.split() and line.split()[-1].isdigit()]
    assert [line.split("  ")[0] for line in download_lines] == [
        f"schools CSV, all {School.objects.count()} schools", "schools CSV, a search", "system leaders CSV",
        "clusters CSV"], out
    assert downloads.count("its first bytes after p50") == 4, out
    orders, _, courses = orders.partition("programmes and cohorts (scale-001)")
    course_lines = [line for line in courses.splitlines() if line.split() and line.split()[-1].isdigit()]
    # Programmes and cohorts, then delivery's pages for the fullest cohort: the register, participants, the reports.
    names = [line.split("  ")[0] for line in course_lines]
    assert names[:2] == ["programmes list", "programme page (its cohorts)"], out
    assert names[2].startswith("cohort page (") and names[3].startswith("register ("), out
    assert names[4:] == ["participants and attendance", "programme reports", "programme reports CSV"], out
    lines = [line for line in pages.splitlines() if line.split() and line.split()[-1].isdigit()]
    # The floor, 13 directory pages, 10 brokerage pages, 8 dashboard pages, an LA officer's deployment when there
    # is one, and the matching page of scale-matching's request
    assert len(lines) in (33, 34), out
    order_lines = [line for line in orders.splitlines() if line.split() and line.split()[-1].isdigit()]
    assert [line.split("  ")[0] for line in order_lines[:9]] == [
        "catalogues", "catalogue page", "take-up and income", "orders list", "orders waiting (filtered list)",
        "order page", "school page with statement", "finance totals per school",
        order_lines[8].split("  ")[0]], out
    assert order_lines[8].startswith("finance export CSV (") and len(order_lines) == 10, out
    assert order_lines[9].startswith("finance export Excel ("), out
    assert orders.count("its first bytes after p50") == 1 and "a download of" in courses, out
    assert any(line.startswith("dashboard one cluster (LA officer)") for line in lines)
    assert any(line.startswith("dashboard export, Excel") for line in lines)
    assert any(line.startswith("deployment detail") for line in lines)
    assert lines[0].startswith('floor: "ok" behind the full middleware') and lines[0].split()[-3:-1] == ["1.0x", "1.0x"]
    assert lines[1].startswith("minimal tenant page")
    assert lines[-1].startswith("matching, 30 leaders"), out
    # Every page's p50 and p95 as a multiple of the floor's, from the same run.
    assert all(line.split()[-3].endswith("x") and line.split()[-2].endswith("x") for line in lines), out
    assert "matching one request against 30 system leaders (scale-matching)" in out


@pytest.mark.django_db(transaction=True)
def test_bench_over_http_serves_with_gunicorn_on_loopback_and_counts_errors(capsys):
    """gunicorn on 127.0.0.1 with DEBUG off, signed-in session cookies, bounded load at each concurrency."""
    run_import(settings.SHARED_DATA_DIR / "east_and_ealing" / "dfe_school_spine_2017_18.csv")
    call_command("seed_scale", "--partnerships", "1", "--leaders", "6", "--clusters", "1", "--skip-import",
                 "--matching-leaders", "20", "--deployments", "30", "--orders", "0", "--cohorts", "0")
    capsys.readouterr()
    call_command("bench", "--partnership", "scale-001", "--http", "--no-in-process", "--concurrency", "1,3",
                 "--http-requests", "6", "--http-seconds", "5", "--port", str(_free_port()))
    out = capsys.readouterr().out
    assert "over HTTP: gunicorn, 2 workers, DEBUG off, 127.0.0.1:" in out
    rows = [line for line in out.splitlines() if line.split() and line.split()[-1].isdigit()
            and not line.startswith("page")]
    labels = {line.rsplit(None, 6)[0].strip() for line in rows}
    assert labels == {'floor: "ok" behind the full middleware', "schools list", "schools search",
                      "broker home (work queues)", "deployment detail", "dashboard, whole partnership",
                      "matching, 20 leaders", "orders list"}, out  # no catalogue or cohorts: no take-up or reports
    assert len(rows) == 8 * 2
    for line in rows:
        clients, per_second, share, p50, p95, errors = line.rsplit(None, 6)[1:]
        assert clients in ("1", "3") and float(per_second) > 0 and errors == "0", line
    assert [line.rsplit(None, 6)[3] for line in rows[:2]] == ["1.00x", "1.00x"]  # the floor, against itself


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]

"""The scale seeder and the benchmark run end to end (on a small scale here; the real figures are in the README)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command
from django_scopes import scopes_disabled

from alliances.importers import run_import
from alliances.models import Cluster, SystemLeader
from portal.tenancy.models import Partnership


@pytest.mark.django_db
def test_seed_scale_then_bench_measure_every_page(capsys):
    run_import(settings.SHARED_DATA_DIR / "east_and_ealing" / "dfe_school_spine_2017_18.csv")
    args = ["--partnerships", "2", "--leaders", "6", "--clusters", "2", "--skip-import", "--matching-leaders", "30"]
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
    capsys.readouterr()
    call_command("bench", "--partnership", "scale-001", "--requests", "3")
    out = capsys.readouterr().out
    pages, _, orders = out.partition("orders and finance (scale-001)")
    lines = [line for line in pages.splitlines() if line.split() and line.split()[-1].isdigit()]
    # 12 directory pages, 10 brokerage pages and 8 dashboard pages (and an LA officer's deployment when there is one)
    assert len(lines) in (30, 31), out
    order_lines = [line for line in orders.splitlines() if line.split() and line.split()[-1].isdigit()]
    assert [line.split("  ")[0] for line in order_lines] == [
        "catalogues", "catalogue page", "take-up and income", "orders list", "orders waiting (filtered list)",
        "order page", "school page with statement", "finance totals per school",
        order_lines[-1].split("  ")[0]], out
    assert order_lines[-1].startswith("finance export CSV ("), out
    assert any(line.startswith("dashboard one cluster (LA officer)") for line in lines)
    assert any(line.startswith("dashboard export, Excel") for line in lines)
    assert any(line.startswith("deployment detail") for line in lines)
    assert lines[0].startswith("minimal tenant page")
    assert "matching one request against 30 system leaders (scale-matching)" in out

"""Imports started together on real PostgreSQL connections run one at a time and end as if run in turn."""

from __future__ import annotations

import pytest
from django.db import connection

from alliances.importers import run_import
from alliances.models import Postcode, PostcodeDistrict
from tests.alliances.test_import_order import FILES, clear, snapshot
from tests.alliances.test_locations import DISTRICTS, POSTCODES
from tests.conftest import require
from tests.tenancy.test_races import race

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_file_imported_at_once_ends_as_in_turn():
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    everything = [*FILES, POSTCODES, DISTRICTS]
    for path in everything:
        assert run_import(path).ok
    in_turn = snapshot()
    clear()
    for model in (Postcode, PostcodeDistrict):
        model.objects.all().delete()
    results, errors = race(*[lambda path=path: run_import(path) for path in everything])
    assert errors == [] and len(results) == len(everything) and all(report.ok for report in results)
    assert snapshot() == in_turn
    # Each import waited for the one before it, so none undid another's work: a repeat finds nothing to do.
    results, errors = race(*[lambda path=path: run_import(path) for path in everything])
    assert errors == [] and not any(report.changed for report in results)

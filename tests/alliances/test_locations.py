"""Coordinates for every school: exact from the ONS postcode positions, else the postcode district's centre
(approximate), whatever order the files come in; matching says "about N km" for an approximate distance."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django_scopes import scope

from alliances.importers import run_import
from alliances.models import LocationAccuracy, School
from deployments.brokerage.matching import rank_candidates
from tests.factories import SchoolFactory, SupportRequestFactory, SystemLeaderFactory, default_specialisms

DATA = Path(__file__).resolve().parent.parent / "data"
SPINE = DATA / "imports" / "dfe_school_spine_2017_18.csv"
POSTCODES = DATA / "postcodes" / "nspd_nov2025_postcodes_extract.csv"
DISTRICTS = DATA / "postcodes" / "postcode_district_centroids_extract.csv"

pytestmark = pytest.mark.django_db


def locations() -> dict[str, tuple]:
    return {urn: tuple(rest) for urn, *rest in School.objects.order_by("urn").values_list(
        "urn", "easting", "northing", "latitude", "longitude", "location_accuracy")}


def test_exact_from_the_postcode_else_the_district_centre_else_none():
    run_import(POSTCODES)
    districts = run_import(DISTRICTS)
    assert districts.ok and districts.format_key == "postcode_districts" and districts.created == 9
    spine = run_import(SPINE)
    assert spine.ok and any(
        "Locations changed for 11 schools: 1 exactly, 10 approximately" in note for note in spine.notes)
    found = locations()
    # Townsend CofE School, St Albans (AL3 6DR): a postcode in the ONS extract, so exact.
    assert found["117555"] == (514375, 209577, 51.773189, -0.343715, LocationAccuracy.EXACT)
    # West Hampstead (NW6 1QL) is not in the East of England extract: the centre of NW6, marked approximate.
    assert found["100009"] == (525235, 183905, 51.54016, -0.19559, LocationAccuracy.DISTRICT)
    # Hade Edge (HD9 2DF): no district centre loaded for HD9, so no coordinates at all.
    assert found["107656"] == (None, None, None, None, LocationAccuracy.NONE)
    assert School.objects.get(urn="100009").get_location_accuracy_display() == "Approximate (postcode district)"


def test_the_same_locations_whichever_comes_first_and_a_repeat_changes_nothing():
    run_import(SPINE)
    assert set(School.objects.values_list("location_accuracy", flat=True)) == {LocationAccuracy.NONE}
    postcodes = run_import(POSTCODES)
    assert any("1 exactly" in note for note in postcodes.notes)
    districts = run_import(DISTRICTS)
    assert districts.changed
    after_schools = locations()
    for path in (POSTCODES, DISTRICTS, SPINE):
        again = run_import(path)
        assert not again.changed and "nothing changed" in again.summary()
    School.objects.all().delete()
    run_import(DISTRICTS)
    run_import(POSTCODES)
    run_import(SPINE)
    assert locations() == after_schools


def test_a_files_own_coordinates_stay_exact_and_the_command_places_the_rest(capsys):
    run_import(SPINE)
    School.objects.filter(urn="100009").update(easting=525_300, northing=184_000, field_dates={"easting": "2025-07-11"})
    call_command("locate_schools", "--postcodes", str(POSTCODES), "--districts", str(DISTRICTS))
    output = capsys.readouterr().out
    assert "Postcode district centres: 9 rows read; 9 created" in output
    school = School.objects.get(urn="100009")
    assert (school.easting, school.northing, school.location_accuracy) == (525_300, 184_000, LocationAccuracy.EXACT)
    assert School.objects.get(urn="100012").location_accuracy == LocationAccuracy.DISTRICT
    call_command("locate_schools", "--no-load")
    assert "Every school's location was already up to date." in capsys.readouterr().out


@pytest.fixture
def approximate_world(partnership, broker, headteacher):
    """A school placed at its district's centre asks; one leader's home school is placed exactly, 3.2 km away."""
    asking = SchoolFactory(urn="100009", name="West Hampstead Primary School", easting=525_235, northing=183_905,
                           location_accuracy=LocationAccuracy.DISTRICT)
    home = SchoolFactory(urn="100035", name="Fitzjohn's Primary School", easting=526_752, northing=185_324,
                         location_accuracy=LocationAccuracy.EXACT)
    exact = SchoolFactory(urn="100012", name="Carlton Primary School", easting=528_726, northing=185_259,
                          location_accuracy=LocationAccuracy.EXACT)
    spec = default_specialisms(partnership)
    SystemLeaderFactory(partnership=partnership, name="Amy Best", home_school=home, specialisms=[spec["Mathematics"]],
                        capacity_days_per_term=Decimal(5))
    return asking, exact, spec


def test_matching_counts_an_approximate_distance_and_says_about(partnership, approximate_world):
    asking, exact, spec = approximate_world
    with scope(partnership=partnership):
        ranked, _ = rank_candidates(partnership=partnership, school=asking, need_ids=[spec["Mathematics"].pk],
                                    need_groups={"teaching"}, days_wanted=Decimal(2), support_level="targeted")
        from_exact, _ = rank_candidates(partnership=partnership, school=exact, need_ids=[spec["Mathematics"].pk],
                                        need_groups={"teaching"}, days_wanted=Decimal(2), support_level="targeted")
    assert ranked[0].distance_km == 2.1 and ranked[0].distance_approximate
    assert "about 2 km away (placed by postcode district)" in ranked[0].why
    assert not from_exact[0].distance_approximate and "2.0 km away" in from_exact[0].why


def test_the_candidates_page_says_about_n_km(client, partnership, broker, headteacher, approximate_world):
    asking, _, spec = approximate_world
    request = SupportRequestFactory(triaged=True, partnership=partnership, school=asking, created_by=headteacher.user,
                                    needs=[spec["Mathematics"]], assigned_broker=broker.user)
    client.force_login(broker.user)
    page = client.get(f"/p/{partnership.slug}/requests/{request.pk}/candidates/").content.decode()
    assert "Amy Best" in page and "about 2 km away (placed by postcode district)" in page
    within = client.get(f"/p/{partnership.slug}/requests/{request.pk}/candidates/", {"within_km": "3"}).content.decode()
    assert "Amy Best" in within.split("Not considered")[0]  # an approximate distance still counts

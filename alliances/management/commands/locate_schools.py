"""Give every school coordinates: `manage.py locate_schools [--postcodes FILE] [--districts FILE]`."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from alliances.importers import ImportRefused, run_import
from alliances.importers.locate import locate_schools, located_note
from alliances.importers.merge import lock_for_import
from alliances.models import LocationAccuracy, School

POSTCODES = Path("postcodes") / "nspd_nov2025_postcodes_east_of_england_and_ealing.csv.gz"
DISTRICTS = Path("postcodes") / "postcode_district_centroids_gb_from_nspd_nov2025.csv"


class Command(BaseCommand):
    help = (
        "Load the ONS postcode positions and postcode district centres (the shared data files unless named), "
        "then give every school coordinates: its own, else its postcode's (exact), else its postcode "
        "district's centre (approximate)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--postcodes", help="ONS postcode directory extract (pcd, easting, northing, lat, lon)")
        parser.add_argument("--districts", help="Postcode district centres (outcode, easting, northing, lat, lon)")
        parser.add_argument("--no-load", action="store_true", help="Use the positions already loaded.")

    def handle(self, *args, postcodes, districts, no_load, **options):
        if not no_load:
            for path in (districts or settings.SHARED_DATA_DIR / DISTRICTS, postcodes or settings.SHARED_DATA_DIR / POSTCODES):
                try:
                    report = run_import(path)
                except (ImportRefused, FileNotFoundError) as error:
                    raise CommandError(f"{path}: {error}") from None
                self.stdout.write(f"{path}: {report.summary()}")
        with transaction.atomic():
            lock_for_import(School)
            note = located_note(locate_schools())
        self.stdout.write(note or "Every school's location was already up to date.")
        counts = {value: School.objects.filter(location_accuracy=value).count() for value in LocationAccuracy.values}
        self.stdout.write(", ".join(f"{counts[value]} {label.lower()}" for value, label in LocationAccuracy.choices))

"""Import public school data files: `manage.py import_schools FILE [FILE ...]`. All or nothing per file."""

from __future__ import annotations

import sys
import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from alliances.importers import ImportRefused, run_import


class Command(BaseCommand):
    help = (
        "Import school data (GIAS extract, DfE spine or details, EduBase, GIAS links or school lists, "
        "Ofsted history, ONS postcodes, postcode district centres). The format is detected from the header. A file "
        "with any bad row changes nothing and every bad row is listed. Files may come in any order: each value "
        "is dated by its file (the date in its name, or --as-of) and an older file never replaces a newer value."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+")
        parser.add_argument("--dry-run", action="store_true", help="Check the files without saving anything.")
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument("--as-of", type=date.fromisoformat, metavar="YYYY-MM-DD",
                            help="The date of the files' data, when their names do not carry it (GIAS rows with "
                                 "a LastChangedDate keep their own). A newer value in the portal is never replaced.")

    def handle(self, *args, files, dry_run, no_progress, as_of, **options):
        failed = False
        for path in files:
            started = time.perf_counter()
            try:
                report = run_import(path, dry_run=dry_run, progress=self._progress if not no_progress else _quiet,
                                    source_date=as_of)
            except ImportRefused as error:
                self.stderr.write(self.style.ERROR(f"{path}: {error} Nothing was imported."))
                failed = True
                continue
            except FileNotFoundError:
                raise CommandError(f"{path}: no such file.") from None
            if not no_progress:
                self.stdout.write("")
            elapsed = time.perf_counter() - started
            style = self.style.SUCCESS if report.ok else self.style.ERROR
            self.stdout.write(style(f"{path}: {report.summary()} ({elapsed:.1f} s)"))
            for note in report.notes:
                self.stdout.write(f"  {note}")
            for error in report.errors:
                self.stdout.write(f"  {error}")
            failed = failed or not report.ok
        if failed:
            raise CommandError("Some files were not imported; see the messages above.")

    def _progress(self, stage: str, done: int, total: int) -> None:
        if total:
            width = 30
            filled = int(width * done / total) if total else 0
            bar = "#" * filled + "-" * (width - filled)
            sys.stdout.write(f"\r  {stage:<20} [{bar}] {done}/{total}")
        else:
            sys.stdout.write(f"\r  {stage:<20} {done} rows")
        sys.stdout.flush()


def _quiet(stage: str, done: int, total: int) -> None:
    pass

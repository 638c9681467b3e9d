"""`manage.py openapi` writes docs/openapi.json; `--check` exits non-zero when the committed one is out of date."""

from django.core.management.base import BaseCommand, CommandError

from api.openapi import DOCUMENT, generated


class Command(BaseCommand):
    help = "Write the API's OpenAPI document to docs/openapi.json (or --check that it is up to date)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Fail if docs/openapi.json differs; write nothing.")

    def handle(self, *args, check: bool = False, **options):
        text = generated()
        if check:
            if not DOCUMENT.exists() or DOCUMENT.read_text() != text:
                raise CommandError("docs/openapi.json is out of date: run `make openapi` and commit it.")
            self.stdout.write("docs/openapi.json is up to date.")
            return
        DOCUMENT.write_text(text)
        self.stdout.write(f"Wrote {DOCUMENT}.")

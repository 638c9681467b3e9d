"""What the schools search reads, one narrow row per school, kept by PostgreSQL triggers (migration 0011).

Model of the alliances app (imported by alliances.models); reference data, read-only to tenants.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Lookup


class SchoolSearchRow(models.Model):
    """A school's name and postcode as the search compares them, with its local authority, phase and status: what
    the schools search counts its matches in. Counting "academy" in the schools rechecked UPPER(name) for each of the
    4,274 trigram matches across 1,674 pages of 600-byte rows; here the upper-case name is already written and 90
    rows share a page. Written only by the triggers on the schools (PostgreSQL); empty on SQLite, where the search
    counts the schools themselves."""

    urn = models.CharField("URN", max_length=6, primary_key=True)
    name_upper = models.TextField(help_text="UPPER(name::text), what `name__icontains` compares")
    postcode_compact = models.TextField(help_text="REPLACE(UPPER(postcode), ' ', ''), what the search compares")
    la_code = models.CharField(max_length=3, null=True)
    phase = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=20)

    class Meta:
        indexes = [models.Index(fields=["postcode_compact"], name="school_search_postcode")]
        # And on PostgreSQL a trigram index on name_upper (migration 0011), as the schools' on UPPER(name) (0006).

    def __str__(self) -> str:
        return f"{self.name_upper} ({self.urn})"


class UpperContains(Lookup):
    """`name__icontains=text` over a column that already holds UPPER(name::text): `column LIKE UPPER('%text%')`,
    the same pattern, escaping and comparison as Django's (`UPPER(name::text) LIKE UPPER('%text%')` on PostgreSQL)
    without UPPER() on every row. PostgreSQL's SQL; used as an expression, `filter(UpperContains(F(...), text))`."""

    lookup_name = "upper_contains"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [f"%{connection.ops.prep_for_like_query(value)}%"]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} LIKE UPPER({rhs})", [*lhs_params, *rhs_params]

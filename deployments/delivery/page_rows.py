"""What a deployment's pages list of it (objectives, visits, reviews), read in the statement that reads the
deployment itself.

Each list is one more query on its own: a queryset to build and compile (about 2,000 Python calls for the
plainest one, 7,000 for the reviews with their due-date caveats), a statement to plan and a round trip. On
PostgreSQL each is instead a column of the deployment's row: a JSON array built by a subquery whose text is
written once, here, when the module loads (nothing to build per request). Each subquery reads the deployment's
own rows in its own partnership (the row-level security policies apply to it as to any statement). The rows
come back as the same model instances the queries made, their values converted by their fields as Django
converts a column. Elsewhere (SQLite) each list is the query it was.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import DecimalField, JSONField, Model
from django.db.models.expressions import RawSQL

from alliances.models import Specialism
from deployments.models import Deployment, Objective, Review, Visit, with_due_caveats

# The outer statement's deployment row, as Django names its table in a query of deployments.
_OUTER = f'"{Deployment._meta.db_table}"'
# The most reviews a deployment's page lists (fewer listed means every one of them is).
REVIEWS_LISTED = 20
# What the page reads of a review (with its key): the columns the reviews table shows.
REVIEW_COLUMNS = ("partnership", "deployment", "kind", "term_key", "due_on", "status")


def _pairs(model: type[Model], alias: str, names: tuple[str, ...] | None = None) -> list[str]:
    """`'attname', alias.column` for each column (all, or the key and `names`): a decimal as text, since a JSON
    number would come back a float."""
    pairs = []
    for field in model._meta.concrete_fields:
        if names is not None and not field.primary_key and field.name not in names:
            continue
        value = f'{alias}."{field.column}"' + ("::text" if isinstance(field, DecimalField) else "")
        pairs.append(f"'{field.attname}', {value}")
    return pairs


def _own(alias: str) -> str:
    """The rows of the outer statement's deployment, in its partnership."""
    return (f'{alias}."deployment_id" = {_OUTER}."id" AND {alias}."partnership_id" = {_OUTER}."partnership_id"')


def _array(rows_sql: str) -> str:
    return f"SELECT COALESCE(jsonb_agg(page.row ORDER BY page.position), '[]'::jsonb) FROM ({rows_sql}) page"


_OBJECTIVES = _array(
    f"SELECT row_number() OVER (ORDER BY o.\"position\", o.\"id\") AS position, jsonb_build_object("
    f"{', '.join(_pairs(Objective, 'o'))}, 'area_name', a.\"name\") AS row "
    f"FROM \"{Objective._meta.db_table}\" o JOIN \"{Specialism._meta.db_table}\" a ON a.\"id\" = o.\"area_id\" "
    f"WHERE {_own('o')}")
_VISITS = _array(
    f"SELECT row_number() OVER (ORDER BY v.\"visit_date\", v.\"id\") AS position, "
    f"jsonb_build_object({', '.join(_pairs(Visit, 'v'))}) AS row FROM \"{Visit._meta.db_table}\" v "
    f"WHERE {_own('v')}")
# The due-date caveats are `with_due_caveats`'s two subqueries, written out (a test compares them).
_YEAR = 'SUBSTRING(r."term_key", 1, 7)'
_REVIEWS = _array(
    f"SELECT row_number() OVER (ORDER BY r.\"kind\", r.\"due_on\", r.\"id\") AS position, "
    f"jsonb_build_object({', '.join(_pairs(Review, 'r', REVIEW_COLUMNS))}, "
    f"'due_term_known', EXISTS(SELECT 1 FROM \"portal_calendarperiod\" c WHERE c.\"partnership_id\" = "
    f"r.\"partnership_id\" AND c.\"academic_year\" = {_YEAR} AND c.\"kind\" = 'term' "
    f"AND c.\"term\" = SUBSTRING(r.\"term_key\", 9)), "
    f"'due_year_provisional', EXISTS(SELECT 1 FROM \"portal_calendaryear\" y WHERE y.\"partnership_id\" = "
    f"r.\"partnership_id\" AND y.\"academic_year\" = {_YEAR} AND y.\"provisional\")) AS row "
    f"FROM \"{Review._meta.db_table}\" r WHERE {_own('r')} "
    f"ORDER BY r.\"kind\", r.\"due_on\", r.\"id\" LIMIT {REVIEWS_LISTED}")
_SQL = {"objectives": _OBJECTIVES, "visits": _VISITS, "reviews": _REVIEWS}


def in_statement() -> bool:
    """Whether the lists are read with the deployment (PostgreSQL) or by a query each."""
    return connection.vendor == "postgresql"


def with_rows(deployments, kinds: tuple[str, ...]):
    """`deployments` with a JSON column for each of `kinds` ("objectives", "visits", "reviews") on PostgreSQL."""
    if not in_statement():
        return deployments
    return deployments.annotate(**{f"json_{kind}": RawSQL(_SQL[kind], (), output_field=JSONField())
                                   for kind in kinds})


def _instance(model: type[Model], values: dict) -> Model:
    """The instance a query reading these columns makes (any other column is deferred)."""
    fields = [field for field in model._meta.concrete_fields if field.attname in values]
    return model.from_db(connection.alias, [field.attname for field in fields],
                         [field.to_python(values[field.attname]) for field in fields])


def objectives(deployment: Deployment) -> list[Objective]:
    """The deployment's objectives, in order, each with its area (its name)."""
    if not hasattr(deployment, "json_objectives"):
        return list(Objective.objects.filter(deployment=deployment).select_related("area"))
    rows = []
    for values in deployment.json_objectives:
        objective = _instance(Objective, values)
        objective.area = Specialism.from_db(connection.alias, ["id", "name"], [objective.area_id, values["area_name"]])
        rows.append(objective)
    return rows


def visits(deployment: Deployment) -> list[Visit]:
    """The deployment's visits, earliest first."""
    if not hasattr(deployment, "json_visits"):
        return list(Visit.objects.filter(deployment=deployment))
    return [_instance(Visit, values) for values in deployment.json_visits]


def reviews(deployment: Deployment) -> list[Review]:
    """The deployment's reviews as its page lists them (at most `REVIEWS_LISTED`), with their due-date caveats."""
    if not hasattr(deployment, "json_reviews"):
        rows = with_due_caveats(Review.objects.filter(deployment=deployment).only(*REVIEW_COLUMNS))
        return list(rows.order_by("kind", "due_on", "pk")[:REVIEWS_LISTED])
    found = []
    for values in deployment.json_reviews:
        review = _instance(Review, values)
        review.due_term_known, review.due_year_provisional = values["due_term_known"], values["due_year_provisional"]
        found.append(review)
    return found

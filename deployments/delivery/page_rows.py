"""What a deployment's pages list of it (objectives, visits, reviews, changes), read in the statement that reads
the deployment itself on PostgreSQL (`deployments.json_rows`): the deployment's page lists four, its agreement
one, each then a query fewer (7,000 Python calls fewer for the reviews with their due-date caveats alone).
Elsewhere (SQLite) each list is the query it was."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection

from alliances.models import Specialism
from deployments.json_rows import column, in_statement, instance, owned_by, pairs, rows
from deployments.models import Deployment, Objective, Review, Variation, Visit, with_due_caveats

# The most reviews a deployment's page lists (fewer listed means every one of them is).
REVIEWS_LISTED = 20
# What the page reads of a review (with its key): the columns the reviews table shows.
REVIEW_COLUMNS = ("partnership", "deployment", "kind", "term_key", "due_on", "status")
# The people the changes name (who proposed, decided, confirmed or closed each): their name and email.
CHANGE_PEOPLE = ("proposed_by", "decided_by", "head_confirmed_by", "closed_by")


def _own(alias: str) -> str:
    return owned_by(alias, Deployment._meta.db_table, "deployment_id")


def _person(field: str) -> str:
    return (f"'{field}', (SELECT jsonb_build_object('name', u.\"name\", 'email', u.\"email\") FROM "
            f"\"{get_user_model()._meta.db_table}\" u WHERE u.\"id\" = c.\"{field}_id\")")


# The due-date caveats are `with_due_caveats`'s two subqueries, written out (a test compares them).
_YEAR = 'SUBSTRING(r."term_key", 1, 7)'
_CAVEATS = (f"'due_term_known', EXISTS(SELECT 1 FROM \"portal_calendarperiod\" p WHERE p.\"partnership_id\" = "
            f"r.\"partnership_id\" AND p.\"academic_year\" = {_YEAR} AND p.\"kind\" = 'term' "
            f"AND p.\"term\" = SUBSTRING(r.\"term_key\", 9)), "
            f"'due_year_provisional', EXISTS(SELECT 1 FROM \"portal_calendaryear\" y WHERE y.\"partnership_id\" = "
            f"r.\"partnership_id\" AND y.\"academic_year\" = {_YEAR} AND y.\"provisional\")")
_SQL = {
    "objectives": rows(
        row=f"jsonb_build_object({pairs(Objective, 'o')}, 'area_name', a.\"name\")",
        source=f"\"{Objective._meta.db_table}\" o JOIN \"{Specialism._meta.db_table}\" a ON a.\"id\" = o.\"area_id\"",
        where=_own("o"), order='o."position", o."id"'),
    "visits": rows(row=f"jsonb_build_object({pairs(Visit, 'v')})", source=f"\"{Visit._meta.db_table}\" v",
                   where=_own("v"), order='v."visit_date", v."id"'),
    "reviews": rows(row=f"jsonb_build_object({pairs(Review, 'r', REVIEW_COLUMNS)}, {_CAVEATS})",
                    source=f"\"{Review._meta.db_table}\" r", where=_own("r"), order='r."kind", r."due_on", r."id"',
                    limit=REVIEWS_LISTED),
    # Two objects joined: one jsonb_build_object takes at most 100 arguments.
    "variations": rows(
        row=f"jsonb_build_object({pairs(Variation, 'c')}) || "
            f"jsonb_build_object({', '.join(_person(field) for field in CHANGE_PEOPLE)})",
        source=f"\"{Variation._meta.db_table}\" c", where=_own("c"), order='c."proposed_at" DESC, c."id" DESC'),
}


def with_rows(deployments, kinds: tuple[str, ...]):
    """`deployments` with a JSON column for each of `kinds` ("objectives", "visits", "reviews", "variations") on
    PostgreSQL."""
    if not in_statement():
        return deployments
    return deployments.annotate(**{f"json_{kind}": column(_SQL[kind]) for kind in kinds})


def objectives(deployment: Deployment) -> list[Objective]:
    """The deployment's objectives, in order, each with its area (its name)."""
    if not hasattr(deployment, "json_objectives"):
        return list(Objective.objects.filter(deployment=deployment).select_related("area"))
    found = []
    for values in deployment.json_objectives:
        objective = instance(Objective, values)
        objective.area = Specialism.from_db(connection.alias, ["id", "name"], [objective.area_id, values["area_name"]])
        found.append(objective)
    return found


def visits(deployment: Deployment) -> list[Visit]:
    """The deployment's visits, earliest first."""
    if not hasattr(deployment, "json_visits"):
        return list(Visit.objects.filter(deployment=deployment))
    return [instance(Visit, values) for values in deployment.json_visits]


def reviews(deployment: Deployment) -> list[Review]:
    """The deployment's reviews as its page lists them (at most `REVIEWS_LISTED`), with their due-date caveats."""
    if not hasattr(deployment, "json_reviews"):
        listed = with_due_caveats(Review.objects.filter(deployment=deployment).only(*REVIEW_COLUMNS))
        return list(listed.order_by("kind", "due_on", "pk")[:REVIEWS_LISTED])
    found = []
    for values in deployment.json_reviews:
        review = instance(Review, values)
        review.due_term_known, review.due_year_provisional = values["due_term_known"], values["due_year_provisional"]
        found.append(review)
    return found


def variations(deployment: Deployment) -> list[Variation]:
    """Every change to the deployment, newest first, with the people the page names (their name and email: any
    other column of theirs loads on use)."""
    if not hasattr(deployment, "json_variations"):
        return list(Variation.objects.filter(deployment=deployment).select_related(*CHANGE_PEOPLE))
    user_model = get_user_model()
    loaded = [field.attname for field in user_model._meta.concrete_fields if field.attname in ("id", "name", "email")]
    found = []
    for values in deployment.json_variations:
        change = instance(Variation, values)
        for field in CHANGE_PEOPLE:
            person = {**(values[field] or {}), "id": values[f"{field}_id"]}
            if person["id"] is not None:
                setattr(change, field, user_model.from_db(connection.alias, loaded, [person[name] for name in loaded]))
        found.append(change)
    return found

"""The API's isolation matrix: every endpoint, with a token of the other partnership and with tokens whose scopes
leave the endpoint's resource out. A convention test fails when an endpoint is missing from the matrix."""

from __future__ import annotations

import json

import pytest

from api.models import Resource
from api.openapi import generated
from tests.api.conftest import ALL, token_secret
from tests.factories import PartnershipSchoolFactory, SchoolFactory

pytestmark = pytest.mark.django_db

# path (as in the OpenAPI document) -> (resource it needs, the field that names a row)
API_MATRIX = {
    "/api/v1/schools": (Resource.SCHOOLS, "urn"),
    "/api/v1/leaders": (Resource.LEADERS, "name"),
    "/api/v1/requests": (Resource.REQUESTS, "id"),
    "/api/v1/deployments": (Resource.DEPLOYMENTS, "id"),
    "/api/v1/deployments/{deployment_id}": (Resource.DEPLOYMENTS, "id"),
    "/api/v1/reviews": (Resource.REVIEWS, "id"),
    "/api/v1/dashboard": (Resource.DASHBOARD, None),
}


def test_every_api_endpoint_is_in_the_matrix():
    paths = set(json.loads(generated())["paths"])
    assert paths == set(API_MATRIX), f"Add to / remove from API_MATRIX: {sorted(paths ^ set(API_MATRIX))}"


def _path(template: str, mine: dict) -> str:
    return template.removeprefix("/api/v1").replace("{deployment_id}", str(mine["deployments"][0].pk))


def _names(body, field) -> set:
    rows = body["results"] if "results" in body else [body]
    return {row[field] for row in rows}


@pytest.mark.parametrize("template", sorted(API_MATRIX))
def test_the_other_partnership_s_token_never_sees_this_partnership_s_rows(call, sides, template, other_admin):
    mine, theirs = sides
    # A school only this partnership works with, so its row is a row of this partnership's alone.
    PartnershipSchoolFactory(partnership=mine["cluster"].partnership,
                             school=SchoolFactory(urn="110234", name="Only Cambridgeshire's School"))
    resource, field = API_MATRIX[template]
    status, body, _ = call(_path(template, mine), token_secret(other_admin))
    if "{deployment_id}" in template:
        assert status == 404
        return
    assert status == 200, body
    # This partnership's rows name it ("Leader 0 of cambridgeshire", "@cambridgeshire.example.org").
    text = str(body)
    assert "of cambridgeshire" not in text and "@cambridgeshire" not in text and "Only Cambridgeshire" not in text
    if field:
        mine_ids = {getattr(row, field) for row in mine.get(resource, [])}
        theirs_ids = _names(body, field)
        if field != "urn":  # schools are shared reference data: the same URNs appear on both sides
            assert not (mine_ids & theirs_ids)
            assert theirs_ids == {getattr(row, field) for row in theirs[resource]}
        else:
            assert "110234" not in theirs_ids


@pytest.mark.parametrize("template", sorted(API_MATRIX))
def test_a_token_without_the_resource_gets_403_and_nothing(call, sides, template, admin):
    mine, _ = sides
    resource, _ = API_MATRIX[template]
    secret = token_secret(admin, scopes=[scope for scope in ALL if scope != resource])
    status, body, _ = call(_path(template, mine), secret)
    assert status == 403
    assert set(body) == {"detail"}


@pytest.mark.parametrize("template", sorted(API_MATRIX))
def test_every_endpoint_refuses_requests_without_a_token(call, sides, template):
    mine, _ = sides
    assert call(_path(template, mine), None)[0] == 401

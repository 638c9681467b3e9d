from __future__ import annotations

from datetime import date, timedelta

import pytest

from alliances.models import LocalAuthority, PartnershipSchool
from api.models import Resource
from api.tokens import create_token
from deployments.models import DeploymentStatus, Rag, ReviewStatus
from tests.factories import (
    ClusterFactory,
    DeploymentFactory,
    ObjectiveFactory,
    PartnershipSchoolFactory,
    ReviewFactory,
    ReviewObjectiveFactory,
    SchoolFactory,
    SupportRequestFactory,
    SystemLeaderFactory,
)

ALL = list(Resource.values)


def build_side(partnership, *, tag: str) -> dict:
    """Per partnership: three schools (two in Cambridgeshire 873, one in Ealing 307), a leader based at each, a
    request and an active deployment with an agreed, rated review at each school, and a cluster of the first two."""
    cambs, _ = LocalAuthority.objects.get_or_create(code="873", defaults={"name": "Cambridgeshire"})
    ealing, _ = LocalAuthority.objects.get_or_create(code="307", defaults={"name": "Ealing"})
    schools = [SchoolFactory(urn="139087", name="Histon and Impington Junior School", la=cambs),
               SchoolFactory(urn="110808", name="Bewick Bridge Community Primary School", la=cambs),
               SchoolFactory(urn="101926", name="Brentside Primary School", la=ealing)]
    rows = {"schools": schools, "leaders": [], "requests": [], "deployments": [], "reviews": []}
    for index, school in enumerate(schools):
        if not PartnershipSchool.objects.filter(partnership=partnership, school=school).exists():
            PartnershipSchoolFactory(partnership=partnership, school=school, notes=f"Private note of {tag}")
        leader = SystemLeaderFactory(partnership=partnership, name=f"Leader {index} of {tag}", home_school=school,
                                     email=f"leader{index}@{tag}.example.org", phone="01223 000000")
        support = SupportRequestFactory(partnership=partnership, school=school, context=f"Private context of {tag}",
                                        matched=True)
        deployment = DeploymentFactory(partnership=partnership, request=support, leader=leader,
                                       status=DeploymentStatus.ACTIVE, start_date=date(2026, 9, 7),
                                       end_date=date(2027, 3, 26))
        objective = ObjectiveFactory(partnership=partnership, deployment=deployment)
        review = ReviewFactory(partnership=partnership, deployment=deployment, status=ReviewStatus.AGREED,
                               impact_score=7, overall_progress=f"Private progress of {tag}")
        ReviewObjectiveFactory(partnership=partnership, review=review, objective=objective,
                               rag=Rag.AMBER if index else Rag.GREEN)
        for key, row in (("leaders", leader), ("requests", support), ("deployments", deployment), ("reviews", review)):
            rows[key].append(row)
    rows["cluster"] = ClusterFactory(partnership=partnership, name=f"Cluster of {tag}", la=cambs,
                                     schools=schools[:2], academic_year="2026-27")
    return rows


@pytest.fixture
def sides(partnership, other_partnership, admin, other_admin):
    return build_side(partnership, tag="cambridgeshire"), build_side(other_partnership, tag="ealing")


def token_secret(member, *, scopes=None, las=(), contacts=False, expires_on=None, name="Data warehouse") -> str:
    _, secret = create_token(
        actor=member, name=name, scopes=ALL if scopes is None else scopes,
        local_authorities=list(LocalAuthority.objects.filter(code__in=las)), contacts=contacts,
        expires_on=expires_on or date.today() + timedelta(days=30))
    return secret


@pytest.fixture
def call(client):
    """GET an API path with a bearer token: (status, JSON body, response)."""

    def get(path: str, secret: str | None, **params):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
        response = client.get(f"/api/v1{path}", params, **headers)
        return response.status_code, response.json(), response

    return get

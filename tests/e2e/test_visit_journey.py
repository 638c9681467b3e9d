"""Visits and returned reviews in the browser, as people really use them.

The system leader logs a visit on a Saturday and is refused, overrides it with a reason, corrects a visit and
deletes one; a review the headteacher returned shows their comments on the leader's form, and a saved draft
is not "Not written yet". axe-core runs on every page visited.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from deployments.models import Objective, Review, Visit, VisitStatus
from deployments.reviews import services as reviews
from portal.tenancy.roles import Role
from tests.deployments.conftest import school_day
from tests.e2e.conftest import check_accessibility
from tests.e2e.test_brokerage_journey import _people
from tests.e2e.test_directory import sign_in
from tests.e2e.test_review_journey import _active_deployment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _last_saturday():
    day = timezone.localdate()
    while day.weekday() != 5:
        day -= timedelta(days=1)
    return day


def _short(day) -> str:
    return f"{day.day} {day:%B %Y}"


def _log(page, day, focus, *, whole=True):
    page.get_by_label("Date of the visit").fill(day.strftime("%d/%m/%Y"))
    page.get_by_label("Whole day" if whole else "Half day").check()
    page.get_by_label("Focus").fill(focus)


def test_a_leader_logs_corrects_and_deletes_visits_and_revises_a_returned_review(page, live_server, settings):
    settings.MFA_EXEMPT_DEMO_USERS = True
    partnership, people, request = _people(settings)
    deployment, review = _active_deployment(partnership, people, request)
    base, visited = live_server.url, []
    main = page.locator("main")
    sign_in(page, base, people[Role.SYSTEM_LEADER].user)
    deployment_page = f"{base}/p/{partnership.slug}/deployments/{deployment.pk}/"

    # A Saturday is refused, then accepted with the override and its reason.
    page.goto(deployment_page)
    check_accessibility(page, visited)
    page.get_by_role("button", name="Log a visit").click()
    check_accessibility(page, visited)
    saturday = _last_saturday()
    _log(page, saturday, "Parents' maths workshop")
    page.get_by_role("button", name="Log the visit").click()
    assert "is not a school day (a Saturday)" in page.locator(".govuk-error-summary").inner_text()
    assert page.title().startswith("Error: ")
    check_accessibility(page, visited)
    page.get_by_label("This visit was on a day that is not a school day").check()
    page.get_by_label("Why it counts on that day").fill("The school's Saturday maths morning for parents")
    page.get_by_role("button", name="Log the visit").click()
    assert "Visit logged." in main.inner_text()
    assert "Not a school day: The school's Saturday maths morning for parents" in main.inner_text()
    check_accessibility(page, visited)

    # A school-day visit, corrected before the school answers.
    page.get_by_role("button", name="Log a visit").click()
    _log(page, school_day(1), "Year 5 planning")
    page.get_by_role("button", name="Log the visit").click()
    assert "Visit logged." in main.inner_text()
    page.get_by_role("link", name=f"Correct the visit on {_short(school_day(1))}").click()
    check_accessibility(page, visited)
    assert page.get_by_label("Focus").input_value() == "Year 5 planning"
    page.get_by_label("Half day").check()
    page.get_by_label("Focus").fill("Year 5 planning with the maths lead")
    page.get_by_role("button", name="Save the correction").click()
    assert "Visit corrected. The school has been told what changed." in main.inner_text()
    assert "Year 5 planning with the maths lead" in main.inner_text()
    check_accessibility(page, visited)

    # The Saturday visit was a mistake after all: deleted, with a confirmation page first.
    page.get_by_role("link", name=f"Delete the visit on {_short(saturday)}").click()
    check_accessibility(page, visited)
    page.get_by_label("Why are you deleting it?").fill("The workshop was cancelled")
    page.get_by_role("button", name="Delete the visit").click()
    assert "It no longer counts." in main.inner_text()
    check_accessibility(page, visited)
    with scopes_disabled():
        assert Visit.objects.get(deployment=deployment, visit_date=saturday).status == VisitStatus.DELETED
        assert Visit.objects.get(deployment=deployment, visit_date=school_day(1)).days == 0.5

    # A review the headteacher returned: the comments are on the leader's form; a draft is a draft.
    with scope(partnership=partnership):
        objective = deployment_objective(deployment)
        reviews.write_review(actor=people[Role.SYSTEM_LEADER], review=Review.objects.get(pk=review.pk),
                             progress={objective: ("amber", "Book looks", "")}, overall_progress="Early days",
                             impact_score=5, outcomes=[], next_steps="Moderate books", submit=True)
        reviews.answer_review(actor=people[Role.HEADTEACHER], review=Review.objects.get(pk=review.pk), agree=False,
                              comments="Say which year groups the book looks covered.")
    page.goto(f"{base}/p/{partnership.slug}/reviews/{review.pk}/")
    check_accessibility(page, visited)
    page.get_by_role("button", name="Write the review").click()
    assert "Say which year groups the book looks covered." in page.locator("#head-comments").inner_text()
    check_accessibility(page, visited)
    page.get_by_label("Evidence", exact=True).fill("Book looks in Years 5 and 6.")
    page.get_by_role("button", name="Save draft").click()
    assert "Draft saved." in main.inner_text() and "Not written yet." not in main.inner_text()
    check_accessibility(page, visited)
    assert len(visited) >= 10


def deployment_objective(deployment) -> int:
    return Objective.objects.filter(deployment=deployment).values_list("pk", flat=True).first()

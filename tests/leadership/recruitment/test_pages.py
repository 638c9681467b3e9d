"""Recruitment pages: what each person sees (scores never reach candidates, and stay hidden from the panel until all
are in), forms that keep what was typed, and query counts that do not grow with the data."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from leadership.models import Application, ApplicationStatus
from leadership.recruitment import panel
from tests.deployments.conftest import count_and_parse
from tests.factories import SystemLeaderFactory, UserFactory
from tests.factories.leadership import make_application, make_induction_item, make_nomination, make_round
from tests.leadership.recruitment.conftest import score_all
from tests.pages import done, parsed, text

pytestmark = pytest.mark.django_db


def url(name, partnership, **kwargs):
    return reverse(f"leadership:{name}", kwargs={"partnership_slug": partnership.slug, **kwargs})


def test_candidates_never_see_scores_and_the_panel_sees_others_only_when_all_are_in(
        client, scored, candidate, broker, approver, partnership):
    page = url("application", partnership, pk=scored.pk)
    client.force_login(candidate.user)
    seen = text(client.get(page))
    assert "Panel scores" not in seen and "Your score" not in seen
    assert parsed(client.get(page)).select_one("#scores") is None


def test_a_panel_member_sees_only_their_own_scores_until_every_member_has_scored(
        client, endorsed, broker, approver, partnership):
    page = url("application", partnership, pk=endorsed.pk)
    score_all(broker, endorsed, 2)
    client.force_login(broker.user)
    soup = parsed(client.get(page))
    assert soup.select_one("#scores") is None
    assert "1 of 2 panel members" in soup.select_one("#panel-progress").get_text()
    assert len(soup.select("#own-scores li")) == 2
    client.force_login(approver.user)
    assert parsed(client.get(page)).select_one("#own-scores") is None  # has not scored: sees nobody's
    score_all(approver, endorsed, 4)
    soup = parsed(client.get(page))
    rows = [[cell.get_text(strip=True) for cell in row.select("td")] for row in soup.select("#scores tbody tr")]
    assert sorted(row[2] for row in rows) == ["2", "2", "4", "4"]
    assert soup.find("a", string="Make the decision")


def test_after_the_decision_the_candidate_reads_the_feedback_not_the_rationale(
        client, scored, candidate, broker, approver, partnership):
    panel.decide(actor=broker, application=scored, outcome="not_this_time", rationale="Private panel reasoning",
                 feedback="Gain more experience across schools", today=timezone.localdate())
    client.force_login(candidate.user)
    seen = text(client.get(url("application", partnership, pk=scored.pk)))
    assert "Private panel reasoning" not in seen and "Gain more experience" not in seen  # only proposed so far
    panel.confirm_decision(actor=approver, application=scored, today=timezone.localdate())
    seen = text(client.get(url("application", partnership, pk=scored.pk)))
    assert "Gain more experience across schools" in seen and "Private panel reasoning" not in seen
    assert "Not designated this time" in seen


def test_the_application_form_keeps_what_was_typed_and_the_check_page_lists_what_is_missing(
        client, invited, candidate, sle_round, partnership):
    client.force_login(candidate.user)
    response = client.post(url("round_apply", partnership, pk=sle_round.pk))
    edit = response["Location"]
    criterion = sle_round.criteria.first()
    response = client.post(edit, {"role_title": "Deputy head", "school": "12", f"evidence_{criterion.pk}": "My work"})
    soup = parsed(response)
    assert "A URN is 6 digits" in soup.select_one(".govuk-error-summary").get_text()
    assert soup.find("textarea", attrs={"name": f"evidence_{criterion.pk}"}).get_text(strip=True) == "My work"
    response = client.post(edit, {"role_title": "Deputy head", "school": "139087",
                                  f"evidence_{criterion.pk}": "My work"}, follow=True)
    missing = [li.get_text(strip=True) for li in parsed(response).select("#missing li")]
    assert missing[:2] == ["Choose at least one phase you can support", "Choose at least one specialism"]
    assert len(missing) == 3  # and the second criterion's evidence


def test_the_head_endorses_from_their_home_page_and_sees_the_consent_they_gave(
        client, sent, headteacher, partnership):
    client.force_login(headteacher.user)
    home = parsed(client.get(f"/p/{partnership.slug}/"))
    link = home.select_one("#recruitment-home a[href$='/endorse/']")
    assert link is not None
    response = client.post(link["href"], {"decision": "yes", "statement": "Ready for it."})
    assert "agree to release" in parsed(response).select_one(".govuk-error-summary").get_text()
    response = client.post(link["href"], {"decision": "yes", "statement": "Ready for it.", "release_consent": "on"},
                           follow=True)
    soup = done(response, url("application", partnership, pk=sent.pk), "gone to the panel")
    assert "Given" in soup.select_one("#endorsement").get_text()


def test_a_head_withdraws_consent_from_their_home_page(client, headteacher, partnership, school, broker):
    leader = SystemLeaderFactory(partnership=partnership, home_school=school, name="Lee Leader")
    client.force_login(headteacher.user)
    home = parsed(client.get(f"/p/{partnership.slug}/"))
    link = home.select_one("#my-leaders a[href$='/consent/withdraw/']")
    response = client.post(link["href"], {"note": "Needed in school"}, follow=True)
    soup = done(response, f"/p/{partnership.slug}/", "is withdrawn")
    assert "No release consent" in soup.select_one("#my-leaders").get_text()
    client.force_login(broker.user)
    page = parsed(client.get(reverse("alliances:leader", kwargs={"partnership_slug": partnership.slug, "pk": leader.pk})))
    assert "Needed in school" in page.select_one("#consent-withdrawals").get_text()


def _grow(partnership, broker, approver, headteacher, school, n):
    for i in range(n):
        round_ = make_round(partnership, panel=[broker.user, approver.user], title=f"Round {i}")
        application = make_application(round_, UserFactory(), school=school, status=ApplicationStatus.ENDORSED,
                                        endorsed_by=headteacher.user, name=f"Candidate {i}")
        score_all(broker, application)
        make_nomination(partnership, school, name=f"Nominee {i}")
        make_induction_item(partnership, title=f"Step {i}")


@pytest.mark.parametrize("page", ["rounds", "round", "applications", "application", "talent", "induction",
                                  "leader_induction"])
def test_recruitment_pages_use_a_fixed_number_of_queries(client, page, partnership, broker, approver, headteacher,
                                                         school):
    leader = SystemLeaderFactory(partnership=partnership, home_school=school)
    _grow(partnership, broker, approver, headteacher, school, 2)
    first = Application.objects.order_by("pk").first()
    kwargs = {"round": {"pk": first.round_id}, "application": {"pk": first.pk}, "leader_induction": {"pk": leader.pk}}
    target = url(page, partnership, **kwargs.get(page, {}))
    small, _ = count_and_parse(client, target, broker.user)
    _grow(partnership, broker, approver, headteacher, school, 8)
    large, soup = count_and_parse(client, target, broker.user)
    assert small == large, f"{page}: {small} queries with little data, {large} with more"
    if page in ("rounds", "applications", "talent"):
        assert len(soup.select("main tbody tr")) == 10


def test_the_application_page_for_the_panel_takes_a_fixed_budget(client, scored, broker, partnership,
                                                                 django_assert_num_queries):
    client.force_login(broker.user)
    page = url("application", partnership, pk=scored.pk)
    client.get(page)
    # 18: session, user, membership with its partnership (and the layout's switcher and unread count); the application
    # with its round and school, its endorser; criteria, evidence, specialisms; the panel guards (is a member: three
    # asks), progress (panel, criteria, per-scorer counts, panel ids); everyone's scores with their scorers and
    # criteria; then the session's savepoint, save and release.
    with django_assert_num_queries(18):
        assert client.get(page).status_code == 200

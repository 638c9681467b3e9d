"""Changes to a deployment through the pages: the prefilled form and its errors, each side's actions on the
deployment page, both versions shown, and fixed query counts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from django_scopes import scope, scopes_disabled

from deployments import processes
from deployments.delivery import visits
from deployments.models import Deployment, Variation, VariationStatus
from deployments.variations import services
from tests.deployments.conftest import active, count_and_parse, count_queries, deployment_for, triaged_request
from tests.deployments.variations.conftest import propose_change
from tests.pages import done, list_after, parsed, table_rows


def _d(value) -> str:
    return value.strftime("%d/%m/%Y")


def _form(deployment: Deployment, objectives, **changes) -> dict:
    data = {"days": str(deployment.days), "start_date": _d(deployment.start_date), "end_date": _d(deployment.end_date),
            "rate_kind": deployment.rate_kind, "day_rate": str(deployment.day_rate), "reason": "The school asked."}
    for index, (description, success) in enumerate(objectives, start=1):
        data[f"objective_{index}_description"], data[f"objective_{index}_success"] = description, success
    return {**data, **changes}


def _errors(soup) -> list[tuple[str, str]]:
    return [(a.get("href", ""), a.get_text(strip=True)) if (a := li.find("a")) else ("", li.get_text(strip=True))
            for li in soup.select(".govuk-error-summary__list li")]


def test_the_broker_proposes_from_a_prefilled_form_with_clear_errors(client, brokerage):
    b = brokerage
    deployment = active(b)
    base = f"/p/{b.partnership.slug}"
    page = f"{base}/deployments/{deployment.pk}/"
    client.force_login(b.broker.user)
    soup = parsed(client.get(page))
    link = soup.select_one("#changes ~ a.govuk-button")
    assert link.get_text(strip=True) == "Propose a change" and link["href"] == f"{page}changes/new/"
    form = parsed(client.get(f"{page}changes/new/"))
    assert form.select_one("#id_days")["value"] == "3.0"
    assert form.select_one("#id_end_date")["value"] == _d(deployment.end_date)
    assert form.select_one("#id_objective_1_description").get_text() .strip() == "Lift KS2 maths"
    assert form.find("legend", string="Objective 1: Mathematics") is not None
    objectives = [("Lift KS2 maths", "80% at expected standard")]
    unchanged = parsed(client.post(f"{page}changes/new/", _form(deployment, objectives)))
    assert unchanged.title.get_text().startswith("Error: ")
    assert _errors(unchanged)[0][1].startswith("Nothing has changed.")
    backwards = parsed(client.post(f"{page}changes/new/", _form(
        deployment, objectives, end_date=_d(deployment.start_date - timedelta(days=1)))))
    assert ("#id_end_date", "The end date must be on or after the start date") in _errors(backwards)
    with scope(partnership=b.partnership):
        visits.log_visit(actor=b.leader_member, deployment=deployment, visit_date=timezone.localdate(), days=Decimal(1),
                         focus="Maths")
    below = parsed(client.post(f"{page}changes/new/", _form(deployment, objectives, days="0.5")))
    assert ("#id_days", "1 day is already logged, so the days cannot go below that.") in _errors(below)
    response = client.post(f"{page}changes/new/", _form(deployment, objectives, days="5"), follow=True)
    soup = done(response, f"{page}#changes", "Approvers have been asked to decide.")
    assert table_rows(soup, "The proposed change") == [["Days", "3 days", "5 days"]]
    assert soup.select_one("#changes ~ a.govuk-button") is None  # one open change at a time
    assert client.get(f"{page}changes/new/")["Location"] == f"{page}#changes"


def test_each_side_acts_from_the_deployment_page_and_the_timeline_keeps_both_versions(client, brokerage):
    b = brokerage
    deployment = active(b)
    variation = propose_change(b, deployment, days=Decimal(5))
    base = f"/p/{b.partnership.slug}"
    page = f"{base}/deployments/{deployment.pk}/"
    # The proposer, as an approver would be, is not offered the decision; the approver is.
    client.force_login(b.approver.user)
    soup = parsed(client.get(page))
    decide = soup.find("a", string="Approve or decline the change")
    assert decide["href"] == f"{base}/changes/{variation.pk}/decide/"
    no_reason = parsed(client.post(decide["href"], {"decision": "approve"}))
    assert ("#id_rationale", "Give the rationale for your decision") in _errors(no_reason)
    done(client.post(decide["href"], {"decision": "approve", "rationale": "Fits."}, follow=True), f"{page}#changes",
         "You approved the change.")
    # The head confirms; the leader sees their own button until they confirm too.
    client.force_login(b.head.user)
    soup = parsed(client.get(page))
    assert soup.find("button", string="Confirm the change") is not None
    assert soup.find("a", string="Decline the change")["href"] == f"{base}/changes/{variation.pk}/decline/"
    done(client.post(f"{base}/changes/{variation.pk}/confirm/", follow=True), f"{page}#changes",
         "It takes effect once the other side confirms too.")
    assert parsed(client.get(page)).find("button", string="Confirm the change") is None
    client.force_login(b.leader_member.user)
    soup = done(client.post(f"{base}/changes/{variation.pk}/confirm/", follow=True), f"{page}#changes",
                "so it is in force")
    assert table_rows(soup, "What changed") == [["Days", "3 days", "5 days"]]
    summary = {row.dt.get_text(strip=True): row.dd.get_text(strip=True) for row in soup.select(".govuk-summary-list__row")}
    assert summary["Days"] == "5"
    changed = soup.find(string=lambda s: s and "Agreement changed" in s).find_parent("li")
    assert changed.select_one("li").get_text(" ", strip=True) == "Days: 3 days → changed to 5 days"
    # The leader can log a visit again with the extra days.
    assert soup.find("a", string="Log a visit") is not None


def test_home_pages_list_the_changes_waiting_for_each_person(client, brokerage):
    b = brokerage
    deployment = active(b)
    variation = propose_change(b, deployment, days=Decimal(4))
    base = f"/p/{b.partnership.slug}"
    link = f"{base}/deployments/{deployment.pk}/#changes"

    def waiting(member, heading):
        client.force_login(member.user)
        soup = parsed(client.get(f"{base}/"))
        found = soup.find("h2", string=heading)
        return [a["href"] for a in found.find_next("ul").select("a")] if found else []

    assert waiting(b.approver, "Changes to deployments to decide") == [link]
    assert waiting(b.head, "Changes to deployments to confirm") == []
    with scope(partnership=b.partnership):
        services.decide(actor=b.approver, variation=variation, deployment=deployment, approve=True, note="Yes")
    assert waiting(b.approver, "Changes to deployments to decide") == []
    assert waiting(b.head, "Changes to deployments to confirm") == [link]
    assert waiting(b.leader_member, "Changes to deployments to confirm") == [link]
    assert waiting(b.other_leader_member, "Changes to deployments to confirm") == []
    with scope(partnership=b.partnership):
        processes.confirm_variation(actor=b.head, variation=variation)
    assert waiting(b.head, "Changes to deployments to confirm") == []
    assert waiting(b.leader_member, "Changes to deployments to confirm") == [link]


def test_a_head_declines_and_a_broker_withdraws_with_a_reason(client, brokerage):
    b = brokerage
    deployment = active(b)
    base = f"/p/{b.partnership.slug}"
    page = f"{base}/deployments/{deployment.pk}/"
    first = propose_change(b, deployment, days=Decimal(4))
    with scope(partnership=b.partnership):
        services.decide(actor=b.approver, variation=first, deployment=deployment, approve=True, note="Yes")
    client.force_login(b.head.user)
    empty = parsed(client.post(f"{base}/changes/{first.pk}/decline/", {"note": ""}))
    assert _errors(empty) == [("#id_note", "Enter why do you not agree the change")]
    done(client.post(f"{base}/changes/{first.pk}/decline/", {"note": "No budget"}, follow=True), f"{page}#changes",
         "You declined the change.")
    second = propose_change(b, deployment, days=Decimal(4))
    client.force_login(b.broker.user)
    done(client.post(f"{base}/changes/{second.pk}/withdraw/", {"note": "In error"}, follow=True), f"{page}#changes",
         "The change is withdrawn.")
    with scopes_disabled():
        assert list(Variation.objects.order_by("pk").values_list("status", flat=True)) == [
            VariationStatus.DECLINED, VariationStatus.WITHDRAWN]
    soup = parsed(client.get(page))
    assert soup.find("h3", string=lambda s: s and s.startswith("Not agreed: proposed on")) is not None


def test_a_visit_past_the_agreed_days_links_the_leader_to_the_changes(client, brokerage):
    b = brokerage
    deployment = active(b)
    with scopes_disabled():
        Deployment.objects.filter(pk=deployment.pk).update(days=Decimal("0.5"))
    base = f"/p/{b.partnership.slug}"
    client.force_login(b.leader_member.user)
    soup = parsed(client.post(f"{base}/deployments/{deployment.pk}/visits/new/", {
        "visit_date": _d(timezone.localdate()), "days": "1.0", "focus": "Maths"}))
    [(href, message)] = _errors(soup)
    assert href == f"{base}/deployments/{deployment.pk}/#changes"
    assert message.startswith("0 of the 0.5 agreed days are logged") and "propose a change" in message
    page = parsed(client.get(href))
    assert "To change the days, dates, objectives or rate, ask the broker" in page.select_one("#changes").find_next(
        "p").get_text(" ", strip=True)


def test_the_change_pages_use_the_same_queries_with_more_data(client, brokerage):
    from django.db.models import F

    from alliances.models import SystemLeader

    b = brokerage
    with scopes_disabled():
        SystemLeader.objects.filter(pk=b.leader.pk).update(capacity_days_per_term=F("capacity_days_per_term") + 200)
    first = deployment_for(b, b.request)
    variation = propose_change(b, first, days=Decimal(3))
    base = f"/p/{b.partnership.slug}"
    pages = [
        (f"{base}/deployments/{first.pk}/", b.broker.user), (f"{base}/deployments/{first.pk}/", b.approver.user),
        (f"{base}/deployments/{first.pk}/", b.head.user), (f"{base}/deployments/{first.pk}/", b.leader_member.user),
        (f"{base}/", b.approver.user), (f"{base}/", b.head.user), (f"{base}/", b.leader_member.user),
        (f"{base}/changes/{variation.pk}/decide/", b.approver.user),
        (f"{base}/changes/{variation.pk}/withdraw/", b.broker.user),
    ]
    for url, user in pages:  # each home's first visit is recorded (an UPDATE), not the next minute's
        if url == f"{base}/":
            count_queries(client, url, user)
    small = [count_queries(client, url, user) for url, user in pages]
    for _ in range(4):
        # More deployments with changes of every kind, and more changes to the first one.
        more = deployment_for(b, triaged_request(b.head, b.broker, b.spec, start=timezone.localdate()))
        with scope(partnership=b.partnership):
            services.withdraw(actor=b.broker, variation=propose_change(b, more, days=Decimal(4)), deployment=more,
                              reason="No")
            services.decide(actor=b.approver, variation=propose_change(b, more, days=Decimal(3)), deployment=more,
                            approve=False, note="No")
    with scope(partnership=b.partnership):
        services.withdraw(actor=b.broker, variation=variation, deployment=first, reason="Again")
        for days in (4, 5):
            old = propose_change(b, first, days=Decimal(days))
            services.withdraw(actor=b.broker, variation=old, deployment=first, reason="Again")
        variation = propose_change(b, first, days=Decimal(6))
    pages[7:] = [(f"{base}/changes/{variation.pk}/decide/", b.approver.user),
                 (f"{base}/changes/{variation.pk}/withdraw/", b.broker.user)]
    large, shown = zip(*(count_and_parse(client, url, user) for url, user in pages), strict=True)
    assert small == list(large), list(zip([u for u, _ in pages], small, large, strict=True))
    assert len(shown[0].select("#changes ~ h3")) == 3  # the three withdrawn changes of the first deployment
    assert len(list_after(shown[4], "Changes to deployments to decide")) == 1

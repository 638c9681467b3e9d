"""The funding questions on pages: the head's request step and the broker's proposal name which of the school's
entitlements pays, shown with its balance; anything else is refused with a message on the field."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from bs4 import BeautifulSoup
from django.utils import timezone
from django_scopes import scopes_disabled

from deployments.models import Deployment, SupportRequest
from portal.tenancy.roles import Role
from programmes.models import EntitlementStatus
from tests.deployments.conftest import accepted
from tests.deployments.test_funding import package_for
from tests.factories import PartnershipFactory, SchoolFactory, make_member


def _draft(client, head, specialisms_pk) -> str:
    client.force_login(head.user)
    base = f"/p/{head.partnership.slug}/requests"
    pk = int(client.post(f"{base}/new/", {"school": "139087"})["Location"].split("/")[-3])
    client.post(f"{base}/{pk}/needs/", {"needs": [specialisms_pk]})
    client.post(f"{base}/{pk}/context/", {"context": "Results fell", "success": "Recovered"})
    client.post(f"{base}/{pk}/timing/", {"urgency": "soon", "days_wanted": "2"})
    return f"{base}/{pk}"


def _errors(response) -> list[str]:
    page = BeautifulSoup(response.content, "html.parser")
    return [li.get_text(strip=True) for li in page.select(".govuk-error-summary__list li")]


def test_the_head_chooses_which_entitlement_pays_and_sees_its_balance(client, headteacher, brokerage):
    school = headteacher.schools.get()
    mine = package_for(school, headteacher.partnership)
    theirs = package_for(SchoolFactory(), headteacher.partnership)
    elsewhere = package_for(school, PartnershipFactory())
    cancelled = package_for(school, headteacher.partnership, status=EntitlementStatus.CANCELLED)
    step = _draft(client, headteacher, brokerage.spec["Mathematics"].pk) + "/funding/"
    page = BeautifulSoup(client.get(step).content, "html.parser")
    choices = {radio["value"]: page.find("label", {"for": radio["id"]}).get_text(strip=True)
               for radio in page.select("input[name=entitlement]")}
    assert choices == {str(mine.pk): f"Four-day package ({mine.academic_year}): 4 days left of 4 days"}
    base = {"funding_route": "package", "consent_to_share": "on"}
    assert _errors(client.post(step, base)) == ["Choose which of the school's entitlements pays for it."]
    for other in (theirs, elsewhere, cancelled):
        assert _errors(client.post(step, {**base, "entitlement": other.pk})) == [
            "Choose one of your school's entitlements from the list"]
    assert _errors(client.post(step, {**base, "funding_route": "core", "entitlement": mine.pk})) == [
        "That entitlement is not a core entitlement. Choose one that matches how it is paid for."]
    assert client.post(step, {**base, "entitlement": mine.pk, "payg_beyond_balance": "on"}).status_code == 302
    with scopes_disabled():
        saved = SupportRequest.objects.get(pk=int(step.split("/")[-3]))
    assert (saved.entitlement_id, saved.payg_beyond_balance) == (mine.pk, True)
    check = " ".join(BeautifulSoup(client.get(step.replace("funding", "check")).content, "html.parser")
                     .get_text().split())
    assert "A package we bought from the catalogue: Four-day package" in check and "4 days left of 4 days" in check
    assert "Days beyond the balance are charged as pay as you go" in check
    # Another route clears the choice.
    client.post(step, {"funding_route": "school", "entitlement": mine.pk, "consent_to_share": "on"})
    with scopes_disabled():
        assert SupportRequest.objects.get(pk=saved.pk).entitlement_id is None


def test_a_school_without_entitlements_is_told_it_cannot_pay_from_one(client, headteacher, brokerage):
    step = _draft(client, headteacher, brokerage.spec["Mathematics"].pk) + "/funding/"
    page = BeautifulSoup(client.get(step).content, "html.parser")
    assert not page.select("input[name=entitlement]")
    assert _errors(client.post(step, {"funding_route": "core", "consent_to_share": "on"})) == [
        "Your school has no entitlement for this year to pay from. Choose another way to pay"]


def test_the_proposal_starts_from_the_heads_choice_and_refuses_a_used_up_entitlement(client, brokerage):
    b = brokerage
    mine = package_for(b.request.school, b.partnership)
    used_up = package_for(b.request.school, b.partnership, used=Decimal(4))
    with scopes_disabled():
        SupportRequest.objects.filter(pk=b.request.pk).update(funding_route="package", entitlement=mine)
    accepted(b)
    client.force_login(b.broker.user)
    url = f"/p/{b.partnership.slug}/requests/{b.request.pk}/propose/"
    page = BeautifulSoup(client.get(url).content, "html.parser")
    assert page.select_one("input[name=funder][value=package]").has_attr("checked")
    assert page.select_one(f"input[name=entitlement][value='{mine.pk}']").has_attr("checked")
    today = timezone.localdate()
    form = {"objective_1_area": b.spec["Mathematics"].pk, "objective_1_description": "Lift KS2 maths",
            "objective_1_success": "80%", "days": "3", "rate_kind": "member", "day_rate": "350", "funder": "package",
            "start_date": today.strftime("%d/%m/%Y"), "end_date": (today + timedelta(days=40)).strftime("%d/%m/%Y"),
            "entitlement": used_up.pk}
    assert _errors(client.post(url, form)) == [
        "Four-day package has no days left. Choose another entitlement, or other funding."]
    response = client.post(url, {**form, "entitlement": mine.pk})
    assert response.status_code == 302
    with scopes_disabled():
        deployment = Deployment.objects.get(request=b.request)
    assert deployment.entitlement_id == mine.pk
    make_member(b.partnership, Role.HEADTEACHER)  # a head of another school sees nothing of it

"""Every destructive action in the brokerage has a confirmation page: the button on the object's page is a link,
GET says what will happen and who will be told (and changes nothing), POST does it, a POST without the CSRF
token is refused, and each page takes a fixed number of queries."""

from __future__ import annotations

import pytest
from django.test import Client
from django_scopes import scope, scopes_disabled

from deployments.brokerage import offers
from deployments.models import DeploymentStatus, Offer, OfferStatus, RequestStatus, SupportRequest
from tests.deployments.conftest import accepted, active, count_and_parse, propose
from tests.pages import done, list_after, parsed


def _confirmation(soup) -> dict:
    """What a confirmation page says: its heading, what happens, who is told, the button and the Cancel link."""
    return {"title": soup.h1.get_text(strip=True), "happens": list_after(soup, "What will happen"),
            "told": soup.select_one("#who-is-told").get_text(" ", strip=True),
            "button": soup.select_one("main form button[type=submit]").get_text(strip=True),
            "cancel": soup.find("a", string="Cancel")["href"],
            "warning": soup.select_one(".govuk-warning-text__text").get_text(" ", strip=True)
            if soup.select_one(".govuk-warning-text__text") else ""}


def _status(model, pk):
    with scopes_disabled():
        return model.objects.get(pk=pk).status


def test_the_request_page_links_to_withdrawing_and_the_page_says_what_happens(client, brokerage):
    b = brokerage
    first, second = accepted(b)
    with scope(partnership=b.partnership):
        deployment = propose(b)
    base = f"/p/{b.partnership.slug}/requests/{b.request.pk}"
    client.force_login(b.head.user)
    request_page = parsed(client.get(f"{base}/"))
    link = request_page.find("a", string="Withdraw request")
    assert link["href"] == f"{base}/withdraw/" and not request_page.select(f"form[action='{base}/withdraw/']")
    page = _confirmation(parsed(client.get(link["href"])))
    assert page["title"] == f"Withdraw request {b.request.reference}?"
    assert page["happens"] == [
        f"Request {b.request.reference} is withdrawn and the steering group stops work on it.",
        "The system leader who accepted is released, their held days go back and they are told.",
        f"Deployment {deployment.reference}, not yet under way, is cancelled and its days are released.",
    ]
    assert "brokers" in page["told"] and page["cancel"] == f"{base}/" and page["button"] == "Withdraw request"
    assert _status(SupportRequest, b.request.pk) == RequestStatus.MATCHED  # GET changed nothing
    response = client.post(link["href"], {"reason": "Solved it"}, follow=True)
    done(response, f"{base}/", f"Request {b.request.reference} is withdrawn.")
    assert _status(SupportRequest, b.request.pk) == RequestStatus.WITHDRAWN
    assert _status(type(deployment), deployment.pk) == DeploymentStatus.CANCELLED


def test_withdrawing_a_request_counts_its_open_offers(client, brokerage):
    b = brokerage
    with scope(partnership=b.partnership):
        offers.make_offers(actor=b.broker, request=b.request, leaders=[b.leader, b.other_leader])
    client.force_login(b.head.user)
    page = _confirmation(parsed(client.get(f"/p/{b.partnership.slug}/requests/{b.request.pk}/withdraw/")))
    assert "2 open offers to system leaders are withdrawn, and each leader is told." in page["happens"]


def test_a_confirmation_post_without_the_csrf_token_is_refused(brokerage):
    b = brokerage
    client = Client(enforce_csrf_checks=True)
    client.force_login(b.head.user)
    url = f"/p/{b.partnership.slug}/requests/{b.request.pk}/withdraw/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": "x"}).status_code == 403
    assert _status(SupportRequest, b.request.pk) == RequestStatus.TRIAGED


def test_a_request_that_cannot_be_withdrawn_sends_the_confirmation_back(client, brokerage):
    b = brokerage
    with scopes_disabled():
        SupportRequest.objects.filter(pk=b.request.pk).update(status=RequestStatus.DECLINED)
    client.force_login(b.head.user)
    url = f"/p/{b.partnership.slug}/requests/{b.request.pk}/withdraw/"
    assert client.get(url)["Location"] == f"/p/{b.partnership.slug}/requests/{b.request.pk}/"
    assert client.post(url)["Location"] == f"/p/{b.partnership.slug}/requests/{b.request.pk}/"
    assert _status(SupportRequest, b.request.pk) == RequestStatus.DECLINED


def test_a_broker_withdraws_an_offer_through_its_confirmation_page(client, brokerage):
    b = brokerage
    with scope(partnership=b.partnership):
        [offer] = offers.make_offers(actor=b.broker, request=b.request, leaders=[b.leader])
    client.force_login(b.broker.user)
    request_url = f"/p/{b.partnership.slug}/requests/{b.request.pk}/"
    link = parsed(client.get(request_url)).select_one(f"a[href='/p/{b.partnership.slug}/offers/{offer.pk}/withdraw/']")
    assert link.get_text(" ", strip=True) == "Withdraw the offer to Amy Best"
    page = _confirmation(parsed(client.get(link["href"])))
    assert page["title"] == "Withdraw the offer to Amy Best?" and page["cancel"] == request_url
    assert page["told"] == "Amy Best, in the app and by email, with your note."
    assert _status(Offer, offer.pk) == OfferStatus.OPEN
    done(client.post(link["href"], {"note": "Found someone nearer"}, follow=True), request_url,
         "The offer to Amy Best is withdrawn")
    assert _status(Offer, offer.pk) == OfferStatus.WITHDRAWN


def test_a_system_leader_declines_an_offer_through_its_confirmation_page(client, brokerage):
    b = brokerage
    with scope(partnership=b.partnership):
        [offer] = offers.make_offers(actor=b.broker, request=b.request, leaders=[b.leader])
    client.force_login(b.leader_member.user)
    offer_url = f"/p/{b.partnership.slug}/offers/{offer.pk}/"
    offer_page = parsed(client.get(offer_url))
    link = offer_page.find("a", string="Decline this request")
    assert link["href"] == f"{offer_url}decline/" and not offer_page.select("input[name=reason]")
    page = _confirmation(parsed(client.get(link["href"])))
    assert page["title"] == f"Decline the offer of {b.request.reference}?" and "broker" in page["told"]
    assert page["cancel"] == offer_url and page["warning"].endswith("You cannot undo this.")
    error = parsed(client.post(link["href"], {"reason": "other"}))
    assert error.title.get_text().startswith("Error: ") and _status(Offer, offer.pk) == OfferStatus.OPEN
    done(client.post(link["href"], {"reason": "no_capacity"}, follow=True), f"/p/{b.partnership.slug}/offers/",
         "You declined the offer")
    assert _status(Offer, offer.pk) == OfferStatus.DECLINED
    # Once answered, the confirmation page sends them back to the offer.
    assert client.get(link["href"])["Location"] == offer_url


def test_stopping_a_deployment_says_what_happens_and_who_is_told(client, brokerage):
    b = brokerage
    deployment = active(b)
    url = f"/p/{b.partnership.slug}/deployments/{deployment.pk}/stop/"
    client.force_login(b.broker.user)
    page = _confirmation(parsed(client.get(url)))
    assert page["title"] == f"Stop deployment {deployment.reference} early?"
    assert "Days not delivered go back to Amy Best's capacity; only delivered days stay in the ledger." in page["happens"]
    assert page["told"].startswith("The school's headteachers, Amy Best and the request's broker")
    assert page["warning"].endswith("You cannot undo this.") and page["button"] == "Stop deployment"
    assert _status(type(deployment), deployment.pk) == DeploymentStatus.ACTIVE
    client.post(url, {"note": "The head left"})
    assert _status(type(deployment), deployment.pk) == DeploymentStatus.STOPPED


@pytest.mark.parametrize("page", ["withdraw", "stop", "offer_withdraw", "decline"])
def test_confirmation_pages_use_a_fixed_number_of_queries(client, brokerage, page):
    b = brokerage
    with scope(partnership=b.partnership):
        [offer] = offers.make_offers(actor=b.broker, request=b.request, leaders=[b.leader])
    slug = b.partnership.slug
    if page == "stop":
        with scopes_disabled():
            Offer.objects.filter(pk=offer.pk).update(status=OfferStatus.WITHDRAWN)
        deployment = active(b)
    urls = {"withdraw": (f"/p/{slug}/requests/{b.request.pk}/withdraw/", b.head),
            "offer_withdraw": (f"/p/{slug}/offers/{offer.pk}/withdraw/", b.broker),
            "decline": (f"/p/{slug}/offers/{offer.pk}/decline/", b.leader_member)}
    if page == "stop":
        urls["stop"] = (f"/p/{slug}/deployments/{deployment.pk}/stop/", b.broker)
    url, member = urls[page]
    # Session, user, membership with the layout's switcher and unread count (middleware); the object (with what the
    # page names); for a request its deployments, offers and the head-of-school check.
    expected = {"withdraw": 9, "stop": 7, "offer_withdraw": 7, "decline": 7}
    count, soup = count_and_parse(client, url, member.user)
    assert soup.select_one("main form button[type=submit]") is not None
    assert count == expected[page], f"{page}: {count} queries"

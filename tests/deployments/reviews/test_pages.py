"""Review pages: writing and answering through the forms, and fixed query counts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from django_scopes import scopes_disabled

from alliances.models import SystemLeader
from deployments.models import Review, ReviewStatus
from tests.deployments.conftest import count_and_parse, count_queries, deployment_for, triaged_request
from tests.deployments.reviews.conftest import objective_ids
from tests.pages import done, list_after, table_rows


def test_review_pages_work_through_the_forms_with_fixed_queries(client, brokerage):
    b = brokerage
    with scopes_disabled():
        SystemLeader.objects.filter(pk=b.leader.pk).update(capacity_days_per_term=Decimal(900))
    first = deployment_for(b, b.request)
    with scopes_disabled():
        review = Review.objects.filter(deployment=first).order_by("due_on").first()
        ids = objective_ids(first)
    base = f"/p/{b.partnership.slug}"
    review_page = f"{base}/reviews/{review.pk}/"
    client.force_login(b.leader_member.user)
    draft = client.post(f"{base}/reviews/{review.pk}/write/", {"action": "save", "overall_progress": "Early days"},
                        follow=True)
    done(draft, review_page, "Draft saved.")
    missing = client.post(f"{base}/reviews/{review.pk}/write/", {"action": "submit", "overall_progress": "Early days"})
    assert missing.status_code == 200 and "Choose an impact score from 1 to 10" in missing.content.decode()
    assert "Early days" in missing.content.decode()  # nothing typed is lost
    form = {"action": "submit", "overall_progress": "Better planning", "impact_score": "7", "next_steps": "Moderate",
            "outcomes_staff": ["teaching_quality"], "outcomes_school": ["exam_results"]}
    for pk in ids:
        form.update({f"rag_{pk}": "green", f"evidence_{pk}": "Lesson visits"})
    done(client.post(f"{base}/reviews/{review.pk}/write/", form, follow=True), review_page,
         "Review sent to the headteacher to agree.")
    client.force_login(b.head.user)
    page = client.get(f"{base}/reviews/{review.pk}/answer/").content.decode()
    assert "Improved quality of teaching and learning" in page and "Green: on track" in page
    assert "Say what should change" in client.post(f"{base}/reviews/{review.pk}/answer/", {"decision": "return"}
                                                   ).content.decode()
    agreed = client.post(f"{base}/reviews/{review.pk}/answer/", {"decision": "agree", "comments": ""}, follow=True)
    done(agreed, review_page, "Review agreed: it is now final.")
    with scopes_disabled():
        assert Review.objects.get(pk=review.pk).status == ReviewStatus.AGREED
    pages = [(f"{base}/reviews/{review.pk}/", b.head.user), (f"{base}/reviews/{review.pk}/", b.broker.user),
             (f"{base}/deployments/{first.pk}/", b.leader_member.user), (f"{base}/", b.leader_member.user),
             (f"{base}/", b.head.user), (f"{base}/", b.broker.user)]

    def more(n):
        made = [deployment_for(b, triaged_request(b.head, b.broker, b.spec, start=timezone.localdate()))
                for _ in range(n)]
        with scopes_disabled():
            # Each new deployment's first review falls overdue. (A deployment may run into a second term, by the
            # date the suite runs on: its later review stays due, and the first deployment's rows stay as they were.)
            firsts = [Review.objects.filter(deployment=d).order_by("due_on").first().pk for d in made]
            Review.objects.filter(pk__in=firsts).update(due_on=timezone.localdate() - timedelta(days=3))

    # One more deployment before the first count: a home reads a list only when it has rows (`IfAny`), so both
    # counts are of the same lists with rows (one overdue review, then five). Each home's first visit is recorded
    # (an UPDATE), not the next minute's.
    more(1)
    for url, user in pages[3:]:
        count_queries(client, url, user)
    small = [count_queries(client, url, user) for url, user in pages]
    more(4)
    with scopes_disabled():
        first_rows = Review.objects.filter(deployment=first).count()
    large, shown = zip(*(count_and_parse(client, url, user) for url, user in pages), strict=True)
    assert small == list(large), list(zip(pages, small, large, strict=True))
    # And the pages show the larger data: five more deployments, each with its autumn review overdue.
    assert shown[0].h1.get_text(strip=True) == shown[1].h1.get_text(strip=True) == "Termly review: Autumn term 2026-27"
    rows = [row[-1] for row in table_rows(shown[2], "Termly reviews and the final evaluation")]
    assert len(rows) == first_rows and rows.count("Agreed: final") == 1 and "Overdue" not in rows
    assert len(list_after(shown[3], "Reviews to write")) == 5
    assert len(table_rows(shown[4], "Deployments of system leaders into your schools")) == 6
    assert len(list_after(shown[5], "Overdue reviews (5)")) == 5

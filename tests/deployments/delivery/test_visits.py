"""Visits: logged by the leader within the agreement, confirmed or disputed by the school, settled by a broker."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scope

from deployments.delivery import visits
from deployments.models import Deployment, Visit, VisitStatus
from portal.errors import DomainError, NotAllowed
from tests.deployments.conftest import active, deliver, email_rows, school_day


def test_visits_are_checked_confirmed_disputed_and_settled(brokerage):
    b = brokerage
    deployment = active(b)
    today = timezone.localdate()
    with scope(partnership=b.partnership):
        with pytest.raises(DomainError, match="on or after the day"):
            visits.log_visit(actor=b.leader_member, deployment=deployment, visit_date=today + timedelta(days=1),
                               days=Decimal(1), focus="Maths")
        with pytest.raises(NotAllowed):
            visits.log_visit(actor=b.other_leader_member, deployment=deployment, visit_date=school_day(), days=Decimal(1),
                               focus="Maths")
        visit = visits.log_visit(actor=b.leader_member, deployment=deployment, visit_date=school_day(), days=Decimal(1),
                                   focus="Year 6 <script>maths</script>")
        with pytest.raises(DomainError, match="already logged"):
            visits.log_visit(actor=b.leader_member, deployment=deployment, visit_date=school_day(), days=Decimal("0.5"),
                               focus="Again")
        Deployment.objects.filter(pk=deployment.pk).update(start_date=school_day(3))
        deployment.start_date = school_day(3)
        second = visits.log_visit(actor=b.leader_member, deployment=deployment, visit_date=school_day(1),
                                    days=Decimal(1), focus="Coaching")
        with pytest.raises(DomainError, match="whole day or a half day"):
            visits.log_visit(actor=b.leader_member, deployment=deployment, visit_date=school_day(2),
                               days=Decimal(2), focus="Too much")
        visits.log_visit(actor=b.leader_member, deployment=deployment, visit_date=school_day(2),
                           days=Decimal("0.5"), focus="Short")
        with pytest.raises(DomainError, match="go past the agreement"):
            visits.log_visit(actor=b.leader_member, deployment=deployment, visit_date=school_day(3),
                               days=Decimal(1), focus="Too much")
        visits.answer_visit(actor=b.head, visit=Visit.objects.get(pk=visit.pk), confirm=True)
        with pytest.raises(DomainError, match="Say what does not match"):
            visits.answer_visit(actor=b.head, visit=Visit.objects.get(pk=second.pk), confirm=False)
        visits.answer_visit(actor=b.head, visit=Visit.objects.get(pk=second.pk), confirm=False, reason="Not in school")
        with pytest.raises(NotAllowed):
            visits.resolve_dispute(actor=b.head, visit=Visit.objects.get(pk=second.pk), uphold=True, note="x")
        visits.resolve_dispute(actor=b.broker, visit=Visit.objects.get(pk=second.pk), uphold=False, note="Agreed.")
        assert Visit.objects.get(pk=second.pk).status == VisitStatus.REMOVED
    logged = next(m for m in deliver("visit.logged") if "Year 6" in m.body)
    assert logged.to == [b.head.user.email] and "Year 6 <script>maths</script>" in logged.body
    assert "&lt;script&gt;" in logged.alternatives[0][0] and "<script>" not in logged.alternatives[0][0]
    disputed = [n.recipient_id for n in email_rows("visit.answered") if "disputed" in n.title]
    assert sorted(disputed) == sorted([b.leader.user_id, b.broker.user_id])

"""Panel members deciding at once on real PostgreSQL: exactly one decision is made, the others are told."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone
from django_scopes import scope

from alliances.models import SystemLeader
from leadership.models import Application, ApplicationStatus
from leadership.recruitment import panel
from portal.audit.models import AuditEvent
from portal.errors import DomainError
from portal.notifications.models import Notification
from tests.conftest import require
from tests.tenancy.test_races import race

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgres():
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")


def _decide(member, application, outcome):
    def action():
        with scope(partnership=member.partnership):
            return panel.decide(actor=member, application=application, outcome=outcome, rationale=f"{outcome} by "
                                f"{member.pk}", feedback="Feedback", today=timezone.localdate())
    return action


@pytest.mark.parametrize("attempt", range(3))
def test_two_panel_members_deciding_at_once_make_one_decision(postgres, scored, broker, approver, partnership, attempt):
    partnership.panel_four_eyes = False
    partnership.save()
    broker.partnership.refresh_from_db()
    approver.partnership.refresh_from_db()
    results, errors = race(_decide(broker, scored, "designate"), _decide(approver, scored, "not_this_time"))
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], DomainError)
    application = Application.objects.get(pk=scored.pk)
    assert application.status in (ApplicationStatus.DESIGNATED, ApplicationStatus.NOT_DESIGNATED)
    assert AuditEvent.objects.filter(action__in=("application.designated", "application.not_designated")).count() == 1
    assert SystemLeader.objects.filter(user=scored.candidate).count() == (
        1 if application.status == ApplicationStatus.DESIGNATED else 0)
    assert Notification.objects.filter(event_type="application.decided", channel="email").count() == 1


@pytest.mark.parametrize("attempt", range(3))
def test_with_four_eyes_two_proposals_at_once_leave_one_and_two_confirmations_one_decision(
        postgres, scored, broker, approver, partnership, attempt):
    results, errors = race(_decide(broker, scored, "designate"), _decide(approver, scored, "designate"))
    assert len(results) == 1 and len(errors) == 1
    proposed = Application.objects.get(pk=scored.pk)
    assert proposed.status == ApplicationStatus.PROPOSED
    confirmer = approver if proposed.proposed_by_id == broker.user_id else broker

    def confirm():
        with scope(partnership=partnership):
            return panel.confirm_decision(actor=confirmer, application=proposed, today=timezone.localdate())

    results, errors = race(confirm, confirm)
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], DomainError)
    assert Application.objects.get(pk=scored.pk).status == ApplicationStatus.DESIGNATED
    assert SystemLeader.objects.filter(user=scored.candidate).count() == 1

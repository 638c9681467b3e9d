"""A recruitment scene: Cambridgeshire's SLE round, open today, with the broker and approver on its panel, and the
candidate persona from the headteacher persona's school (Histon and Impington Junior, URN 139087)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from alliances.models import School
from leadership.models import RoundInvitation
from leadership.recruitment import applications, panel
from portal.notifications.models import Notification
from tests.factories import SpecialismFactory
from tests.factories.leadership import make_round


@pytest.fixture
def school(headteacher) -> School:
    return headteacher.schools.get()


@pytest.fixture
def maths(partnership):
    return SpecialismFactory(partnership=partnership, name="Mathematics")


@pytest.fixture
def sle_round(partnership, broker, approver):
    return make_round(partnership, panel=[broker.user, approver.user], created_by=broker.user)


@pytest.fixture
def invited(sle_round, candidate, school):
    """The candidate persona was invited to the round (as talent.invite_to_round records it)."""
    return RoundInvitation.objects.create(partnership=sle_round.partnership, round=sle_round, name="Casey Candidate",
                                          email=candidate.user.email, school=school)


@pytest.fixture
def sent(invited, candidate, sle_round, school, maths):
    """The candidate's application, answered in full and sent (waiting for the head's endorsement)."""
    application = applications.start_application(actor=candidate, round_=sle_round, today=timezone.localdate())
    criteria = list(sle_round.criteria.all())
    applications.save_answers(actor=candidate, application=application, role_title="Deputy headteacher", school=school,
                              specialisms=[maths], phases=["phase_primary"],
                              evidence={c.pk: f"I led {c.title.lower()} across the trust." for c in criteria})
    applications.submit_application(actor=candidate, application=application, today=timezone.localdate())
    application.refresh_from_db()
    return application


@pytest.fixture
def endorsed(sent, headteacher):
    applications.endorse_application(actor=headteacher, application=sent, endorse=True,
                                     statement="An outstanding middle leader.", release_consent=True)
    sent.refresh_from_db()
    return sent


def score_all(member, application, value=3):
    criteria = list(application.round.criteria.all())
    panel.save_scores(actor=member, application=application, scores={c.pk: (value, "") for c in criteria})


@pytest.fixture
def scored(endorsed, broker, approver):
    score_all(broker, endorsed, 3)
    score_all(approver, endorsed, 4)
    return endorsed


def sent_to(event_type: str) -> set[str]:
    """The addresses an event's email rows went to."""
    return set(Notification.objects.filter(event_type=event_type, channel="email").values_list("email", flat=True))

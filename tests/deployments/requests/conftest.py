"""A headteacher's specialisms, drafts and sent requests, for the request tests."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scope, scopes_disabled

from alliances.models import Specialism
from alliances.services import ensure_default_specialisms
from deployments.models import SupportRequest
from deployments.requests import services


@pytest.fixture
def specialisms(partnership):
    with scopes_disabled():
        ensure_default_specialisms(partnership=partnership)
        return {s.name: s for s in Specialism.objects.filter(partnership=partnership)}


def complete_draft(head, specialisms):
    with scope(partnership=head.partnership):
        draft = services.start_request(actor=head, school=head.schools.get())
        return services.update_draft(
            actor=head, request=draft, needs=[specialisms["Mathematics"]], context="Maths results fell.",
            success="Pupils back on track.", urgency="soon", days_wanted=Decimal("3.5"), funding_route="core",
            consent_to_share=True,
        )


def sent_request(head, specialisms):
    draft = complete_draft(head, specialisms)
    with scope(partnership=head.partnership):
        services.submit_request(actor=head, request=draft)
    return SupportRequest.objects.get(pk=draft.pk)

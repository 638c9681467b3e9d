"""A headteacher's specialisms, drafts and sent requests, for the request tests."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scope, scopes_disabled

from deployments.models import SupportRequest
from deployments.requests import services
from tests.factories import SupportRequestFactory, default_specialisms


@pytest.fixture
def specialisms(partnership):
    """The partnership's default taxonomy, by name."""
    return default_specialisms(partnership)


def complete_draft(head, specialisms):
    """A draft with every question answered, written through the services (the services under test here)."""
    with scope(partnership=head.partnership):
        draft = services.start_request(actor=head, school=head.schools.get())
        return services.update_draft(
            actor=head, request=draft, needs=[specialisms["Mathematics"]], context="Maths results fell.",
            success="Pupils back on track.", urgency="soon", days_wanted=Decimal("3.5"), funding_route="school",
            consent_to_share=True,
        )


def sent_request(head, specialisms) -> SupportRequest:
    """A complete request from the head's school, sent to the steering group (arranged: no services run)."""
    request = SupportRequestFactory(partnership=head.partnership, school=head.schools.get(), created_by=head.user,
                                    needs=[specialisms["Mathematics"]], days_wanted=Decimal("3.5"))
    with scopes_disabled():
        return SupportRequest.objects.get(pk=request.pk)

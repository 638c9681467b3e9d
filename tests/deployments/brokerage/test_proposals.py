"""Proposals: only once a leader has accepted, in whole or half days, with dates in order and an objective."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scope

from deployments.workflow import TransitionNotAllowed
from portal.errors import DomainError
from tests.deployments.conftest import accepted, propose


def test_proposals_are_checked(brokerage):
    b = brokerage
    with scope(partnership=b.partnership), pytest.raises(TransitionNotAllowed, match="once a system leader has accepted"):
        propose(b)
    accepted(b)
    with scope(partnership=b.partnership):
        with pytest.raises(DomainError, match="whole or half days"):
            propose(b, days=Decimal("1.3"))
        with pytest.raises(DomainError, match="end date"):
            propose(b, end_date=timezone.localdate() - timedelta(days=1))
        with pytest.raises(DomainError, match="at least one objective"):
            propose(b, objectives=[])
        propose(b)
        with pytest.raises(TransitionNotAllowed, match="already has a deployment"):
            propose(b)

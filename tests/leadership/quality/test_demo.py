"""The Cambridgeshire demo's quality assurance: a framework, a QA group with activities, an overdue review."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scopes_disabled

from alliances.models import SystemLeader
from leadership.models import Competency, QAActivity, QAGroup, QAGroupMember, RatingLevel


@pytest.mark.django_db
def test_the_demo_has_a_framework_a_qa_group_with_activities_and_an_overdue_leader_once(settings):
    call_command("seed_demo", "--quiet-sign-ins")
    call_command("seed_demo", "--quiet-sign-ins")
    with scopes_disabled():
        cambs = {"partnership__slug": "cambridgeshire"}
        assert Competency.objects.filter(**cambs).count() == 6 and RatingLevel.objects.filter(**cambs).count() == 4
        [group] = QAGroup.objects.filter(**cambs)
        assert group.lead.designation in ("NLE", "LLE")
        members = QAGroupMember.objects.filter(group=group).values_list("leader__user__email", flat=True)
        assert f"system-leader@{settings.DEMO_EMAIL_DOMAIN}" in set(members)
        assert QAActivity.objects.filter(**cambs).count() == 2
        overdue = SystemLeader.objects.filter(**cambs, status="active", review_due__lt=timezone.localdate())
        assert overdue.exists()

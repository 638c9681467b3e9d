"""The broker's home page section: leaders needing attention this academic year (one query, its statement kept for
the partnership and the day: `portal.kept`)."""

from __future__ import annotations

from django.utils import timezone

from leadership.quality.selectors import needing_attention
from portal import kept
from portal.calendar.schooldays import academic_year_of
from portal.tenancy.models import Membership
from portal.tenancy.roles import Role

SHOWN = 5


def home_section(*, membership: Membership, **_) -> dict:
    if membership.role != Role.BROKER or not membership.can("quality.manage"):
        return {}
    today = timezone.localdate()
    year = academic_year_of(today)
    # The home lists names and flags, and counts the rest.
    rows = needing_attention(partnership=membership.partnership, year=year, today=today, only=("name",), read=lambda
                             name, build: kept.rows(("home.leaders_attention", name, membership.partnership_id, today),
                                                    build), together=True)
    return {"leaders_attention": rows[:SHOWN], "leaders_attention_count": len(rows)}


def leader_section(*, membership: Membership, leader, **_) -> dict:
    """Links from a leader's directory page to their QA summary and designation review (steering group; no query)."""
    return {"qa_links": membership.can("quality.manage")}

"""Designation: the panel's decision creates or updates the candidate's system leader record (designation, dates, a
review due after the partnership's period, specialisms, phases, home school, account and release consent from the
endorsement), and a candidate's narrow role becomes a system leader's. Each part is audited like a broker's edit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from alliances.models import LeaderSpecialism, LeaderStatus, SystemLeader
from leadership.models import Application, ApplicationSpecialism
from leadership.recruitment.common import PHASE_FIELDS
from portal.audit.services import record_event
from portal.formats import date_text
from portal.tenancy.models import Membership
from portal.tenancy.roles import Role


def years_after(day: date, years: int) -> date:
    """The same day `years` later (29 February becomes 28 February in a year without it)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _plain(value):
    return value.isoformat() if isinstance(value, date) else str(value) if isinstance(value, Decimal) else value


@transaction.atomic
def designate(*, actor: Membership, application: Application, today: date) -> SystemLeader:
    """Called by the panel's final decision inside its transaction: the leader record, as described above."""
    partnership = application.partnership
    endorser = application.endorsed_by
    consent_by = (endorser.get_full_name() or endorser.email)[:150] if endorser and application.release_consent else ""
    values = {
        "name": application.name, "email": application.candidate.email, "user": application.candidate,
        "home_school_id": application.school_id, "designation": application.round.designation,
        "designated_on": today, "review_due": years_after(today, partnership.designation_review_years),
        "status": LeaderStatus.ACTIVE, "release_consent_by": consent_by,
        "release_consent_on": application.endorsed_at.date() if consent_by else None,
        **{field: getattr(application, field) for field in PHASE_FIELDS},
    }
    leader = (SystemLeader.objects.select_for_update().filter(partnership=partnership, user=application.candidate)
              .first())
    history = ("designation", "designated_on", "review_due", "status")
    if leader is None:
        leader = SystemLeader.objects.create(partnership=partnership, **values)
        old = {}
        record_event(partnership=partnership, actor=actor.user, action="system_leader.created", obj=leader,
                     new={"name": leader.name, "designation": leader.designation}, note=f"Application {application.reference}")
    else:
        old = {field: getattr(leader, field) for field in history}
        for field, value in values.items():
            setattr(leader, field, value)
        leader.save()
    specialisms = list(ApplicationSpecialism.objects.filter(application=application).values_list("specialism_id", flat=True))
    kept = set(LeaderSpecialism.objects.filter(leader=leader).values_list("specialism_id", flat=True))
    LeaderSpecialism.objects.bulk_create([LeaderSpecialism(partnership=partnership, leader=leader, specialism_id=pk)
                                          for pk in specialisms if pk not in kept])
    record_event(partnership=partnership, actor=actor.user, action="system_leader.designation_changed", obj=leader,
                 old={k: _plain(v) for k, v in old.items()},
                 new={field: _plain(getattr(leader, field)) for field in history},
                 note=f"Designated by the panel (application {application.reference}); review due "
                      f"{date_text(leader.review_due)}")
    _candidate_becomes_leader(partnership, application, actor)
    return leader


def _candidate_becomes_leader(partnership, application: Application, actor: Membership) -> None:
    membership = Membership.objects.filter(partnership=partnership, user=application.candidate,
                                           role=Role.CANDIDATE).first()
    if membership is None:
        return
    Membership.objects.filter(pk=membership.pk).update(role=Role.SYSTEM_LEADER)
    record_event(partnership=partnership, actor=actor.user, action="membership.role_changed", obj=membership,
                 old={"role": Role.CANDIDATE.value}, new={"role": Role.SYSTEM_LEADER.value},
                 note=f"Designated (application {application.reference})")

from __future__ import annotations

from datetime import date

from django.db import transaction

from alliances.models import PartnershipSchool, School
from alliances.selectors import global_successor_of
from portal.audit.services import record_event
from portal.errors import DomainError, NotAllowed
from portal.tenancy.models import Membership


@transaction.atomic
def set_partnership_school(
    *, actor: Membership, school: School, is_member: bool, member_from: date | None = None,
    member_to: date | None = None, notes: str = "",
) -> PartnershipSchool:
    """Record a school's relationship with the actor's partnership (brokers and admins).

    A closed school is refused, naming its successor when GIAS knows one. Audited with old and new values.
    """
    if not actor.can("directory.manage"):
        raise NotAllowed("Your role does not let you change the partnership's schools.")
    if member_from and member_to and member_to < member_from:
        raise DomainError("The end of membership must be on or after its start.")
    link = PartnershipSchool.objects.select_for_update().filter(partnership=actor.partnership, school=school).first()
    if link is None and not school.is_open:
        successor = global_successor_of(school=school)
        hint = f" Its successor is {successor.name} (URN {successor.urn}); add that school instead." if successor else ""
        raise DomainError(f"{school.name} closed on {school.close_date:%-d %B %Y}." + hint if school.close_date
                          else f"{school.name} is closed.{hint}")
    values = {"is_member": is_member, "member_from": member_from, "member_to": member_to, "notes": notes}
    if link is None:
        link = PartnershipSchool.objects.create(partnership=actor.partnership, school=school, **values)
        old = {}
    else:
        old = {k: getattr(link, k) for k in values}
        for key, value in values.items():
            setattr(link, key, value)
        link.save(update_fields=list(values))
    changed_old = {k: _plain(v) for k, v in old.items() if v != values[k]}
    changed_new = {k: _plain(values[k]) for k in values if not old or old[k] != values[k]}
    if changed_new:
        record_event(partnership=actor.partnership, actor=actor.user, action="partnership_school.saved", obj=link,
                     old=changed_old, new=changed_new)
    return link


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value

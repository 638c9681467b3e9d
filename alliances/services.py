"""Writes to the partnership's directory: each checks the capability, validates, and writes an audit event."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from alliances.models import (
    LEADER_PHASES,
    Alliance,
    AllianceSchool,
    Cluster,
    ClusterSchool,
    LeaderSpecialism,
    PartnershipSchool,
    School,
    Specialism,
    SystemLeader,
)
from alliances.selectors import global_successor_of
from alliances.taxonomy import DEFAULT_SPECIALISMS
from portal.audit.services import record_event
from portal.errors import DomainError, NotAllowed
from portal.formats import date_text
from portal.notifications.reading import settle
from portal.tenancy.models import Membership, Partnership


def _require(actor: Membership, capability: str) -> None:
    if not actor.can(capability):
        raise NotAllowed("Your role does not let you change this. Ask your steering group if it needs changing.")


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, School):
        return value.urn
    if hasattr(value, "pk"):
        return value.pk
    return value


def _closed_school_error(school: School, what: str) -> DomainError:
    successor = global_successor_of(school=school)
    closed = f"{school.name} is closed" + (f" (since {date_text(school.close_date)})" if school.close_date else "")
    hint = f" Its successor is {successor.name}, URN {successor.urn}." if successor else ""
    return DomainError(f"{closed}, so it cannot be {what}.{hint}")


@transaction.atomic
def set_partnership_school(
    *, actor: Membership, school: School, is_member: bool, member_from: date | None = None,
    member_to: date | None = None, notes: str = "",
) -> PartnershipSchool:
    """Record a school's relationship with the actor's partnership (brokers and admins).

    A closed school is refused, naming its successor when GIAS knows one. Audited with old and new values.
    """
    _require(actor, "directory.manage")
    if member_from and member_to and member_to < member_from:
        raise DomainError("The end of membership must be on or after its start.")
    link = PartnershipSchool.objects.select_for_update().filter(partnership=actor.partnership, school=school).first()
    if link is None and not school.is_open:
        raise _closed_school_error(school, "added to the partnership")
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
    if is_member and not old.get("is_member"):
        for callback in MEMBER_JOINED:
            callback(partnership=actor.partnership, school=school, actor=actor)
    return link


# Higher apps that give a member school something when it joins (the catalogue's core entitlement), called in the
# transaction that makes it a member: callback(partnership=, school=, actor=).
MEMBER_JOINED: list[Callable[..., None]] = []


def register_member_joined(callback: Callable[..., None]) -> None:
    if callback not in MEMBER_JOINED:
        MEMBER_JOINED.append(callback)


# Specialisms ------------------------------------------------------------------------------------

def ensure_default_specialisms(*, partnership: Partnership) -> int:
    """Give a partnership the default taxonomy (idempotent: existing names are left alone)."""
    existing = set(Specialism.objects.filter(partnership=partnership).values_list("name", flat=True))
    new = [Specialism(partnership=partnership, group=group, name=name)
           for group, name in DEFAULT_SPECIALISMS if name not in existing]
    Specialism.objects.bulk_create(new)
    return len(new)


@transaction.atomic
def add_specialism(*, actor: Membership, group: str, name: str) -> Specialism:
    _require(actor, "directory.manage")
    name = " ".join(name.split())
    if Specialism.objects.filter(partnership=actor.partnership, name__iexact=name).exists():
        raise DomainError(f"There is already a specialism called {name}. Reinstate it if it was retired.")
    specialism = Specialism.objects.create(partnership=actor.partnership, group=group, name=name)
    record_event(partnership=actor.partnership, actor=actor.user, action="specialism.added", obj=specialism,
                 new={"name": name, "group": group})
    return specialism


@transaction.atomic
def set_specialism_retired(*, actor: Membership, specialism: Specialism, retired: bool) -> Specialism:
    """Retire (hide from new choices, keep on existing profiles) or reinstate a specialism."""
    _require(actor, "directory.manage")
    if specialism.is_retired == retired:
        return specialism
    Specialism.objects.filter(pk=specialism.pk).update(is_retired=retired)
    specialism.is_retired = retired
    record_event(partnership=actor.partnership, actor=actor.user,
                 action="specialism.retired" if retired else "specialism.reinstated", obj=specialism,
                 old={"is_retired": not retired}, new={"is_retired": retired})
    return specialism


@transaction.atomic
def delete_specialism(*, actor: Membership, specialism: Specialism) -> None:
    """Delete a specialism nobody uses; one in use can only be retired."""
    _require(actor, "directory.manage")
    in_use = LeaderSpecialism.objects.filter(specialism=specialism).count()
    if in_use:
        raise DomainError(
            f"{specialism.name} is on {in_use} system leader profile{'s' if in_use != 1 else ''}, so it cannot be "
            f"deleted. Retire it instead: it stays on those profiles but cannot be chosen again."
        )
    record_event(partnership=actor.partnership, actor=actor.user, action="specialism.deleted", obj=specialism,
                 old={"name": specialism.name})
    specialism.delete()


# System leaders ---------------------------------------------------------------------------------

LEADER_FIELDS = (
    "name", "email", "phone", "home_school", "designation", "designated_on", "review_due", "status",
    "capacity_days_per_term", "release_consent_by", "release_consent_on", "conflicts", "user",
    *LEADER_PHASES,
)
HISTORY_FIELDS = {"designation", "status", "designated_on", "review_due"}


def _check_leader(partnership: Partnership, values: dict[str, Any], *, existing: SystemLeader | None) -> None:
    if values["designation"] not in partnership.designation_labels:
        codes = ", ".join(partnership.designation_labels)
        raise DomainError(f"{values['designation']} is not one of this partnership's designations ({codes}).")
    if values["review_due"] < values["designated_on"]:
        raise DomainError("The review date must be on or after the designation date.")
    school = values["home_school"]
    if not school.is_open and (existing is None or existing.home_school_id != school.pk):
        raise _closed_school_error(school, "a system leader's home school")
    if values["capacity_days_per_term"] < 0:
        raise DomainError("Capacity cannot be negative.")
    user = values.get("user")
    if user is not None:
        other = SystemLeader.objects.filter(partnership=partnership, user=user).exclude(
            pk=existing.pk if existing else None).first()
        if other is not None:
            raise DomainError(f"That account is already linked to {other.name}. Unlink it there first.")


@transaction.atomic
def save_system_leader(
    *, actor: Membership, leader: SystemLeader | None = None, specialisms: list[Specialism], **values: Any
) -> SystemLeader:
    """Create or update a system leader (brokers and admins). Designation and status changes are
    audited as their own events, which make the designation history."""
    _require(actor, "directory.manage")
    partnership = actor.partnership
    unknown = set(values) - set(LEADER_FIELDS)
    if unknown:
        raise ValueError(f"Not system leader fields: {sorted(unknown)}")
    if leader is not None:
        leader = SystemLeader.objects.select_for_update().get(pk=leader.pk)
        merged = {field: getattr(leader, field) for field in LEADER_FIELDS}
        merged.update(values)
    else:
        merged = {"status": "active", "capacity_days_per_term": Decimal(0), **{f: False for f in LEADER_PHASES}, **values}
    _check_leader(partnership, merged, existing=leader)
    if leader is None:
        leader = SystemLeader.objects.create(partnership=partnership, **merged)
        old: dict[str, Any] = {}
        changed = {k: v for k, v in merged.items() if v not in (None, "", False)}
        action = "system_leader.created"
    else:
        old = {field: getattr(leader, field) for field in LEADER_FIELDS}
        for field, value in merged.items():
            setattr(leader, field, value)
        leader.save()
        changed = {k: v for k, v in merged.items() if old[k] != v}
        action = "system_leader.updated"
    old_specialisms = set(LeaderSpecialism.objects.filter(leader=leader).values_list("specialism_id", flat=True))
    new_specialisms = {s.pk for s in specialisms}
    if old_specialisms != new_specialisms:
        leader.specialisms.set(specialisms, through_defaults={"partnership": partnership})
        changed["specialisms"] = sorted(s.name for s in specialisms)
    history = {k: v for k, v in changed.items() if k in HISTORY_FIELDS}
    rest = {k: v for k, v in changed.items() if k not in HISTORY_FIELDS}
    if action == "system_leader.created" or rest:
        record_event(partnership=partnership, actor=actor.user, action=action, obj=leader,
                     old={k: _plain(old.get(k)) for k in rest if k in old}, new={k: _plain(v) for k, v in rest.items()})
    if history:
        record_event(partnership=partnership, actor=actor.user, action="system_leader.designation_changed", obj=leader,
                     old={k: _plain(old.get(k)) for k in history if k in old}, new={k: _plain(v) for k, v in history.items()})
    if "review_due" in changed or "status" in changed:
        # The designation was reviewed (a new review date) or the leader left: the reminder's task is done.
        settle(partnership=partnership, subject=f"leader:{leader.pk}", event_types=["leader.designation_due"])
    return leader


@transaction.atomic
def update_own_profile(
    *, actor: Membership, leader: SystemLeader, specialisms: list[Specialism], capacity_days_per_term: Decimal,
    **phases: bool,
) -> SystemLeader:
    """A system leader keeps their own specialisms, phases and availability; never their designation."""
    if not actor.can("profile.edit_own") or leader.user_id != actor.user_id:
        raise NotAllowed("You can only change your own profile.")
    if set(phases) - set(LEADER_PHASES):
        raise ValueError("Only phases can be changed here.")
    if capacity_days_per_term < 0 or capacity_days_per_term > 65:
        raise DomainError("Capacity must be between 0 and 65 days a term.")
    current = SystemLeader.objects.select_for_update().get(pk=leader.pk)
    old = {"capacity_days_per_term": current.capacity_days_per_term, **{k: getattr(current, k) for k in phases}}
    current.capacity_days_per_term = capacity_days_per_term
    for field, value in phases.items():
        setattr(current, field, value)
    current.save()
    new = {"capacity_days_per_term": capacity_days_per_term, **phases}
    changed_new = {k: _plain(v) for k, v in new.items() if old[k] != v}
    before = set(LeaderSpecialism.objects.filter(leader=current).values_list("specialism_id", flat=True))
    if before != {s.pk for s in specialisms}:
        current.specialisms.set(specialisms, through_defaults={"partnership": actor.partnership})
        changed_new["specialisms"] = sorted(s.name for s in specialisms)
    if changed_new:
        record_event(partnership=actor.partnership, actor=actor.user, action="system_leader.profile_updated",
                     obj=current, old={k: _plain(old[k]) for k in changed_new if k in old}, new=changed_new)
    return current


# Clusters and alliances -------------------------------------------------------------------------

@transaction.atomic
def save_cluster(
    *, actor: Membership, cluster: Cluster | None = None, schools: list[School], **values: Any
) -> Cluster:
    """Create or update a cluster for an academic year with its member schools (brokers and admins)."""
    _require(actor, "directory.manage")
    already = set(ClusterSchool.objects.filter(cluster=cluster).values_list("school_id", flat=True)) if cluster else set()
    closed = [s for s in schools if not s.is_open and s.pk not in already]
    if closed:
        raise _closed_school_error(closed[0], "added to a cluster")
    chair = values.get("chair_school")
    if chair is not None and not chair.is_open and (cluster is None or cluster.chair_school_id != chair.pk):
        raise _closed_school_error(chair, "a cluster's chair")
    try:
        with transaction.atomic():
            if cluster is None:
                cluster = Cluster.objects.create(partnership=actor.partnership, **values)
                old: dict[str, Any] = {}
            else:
                cluster = Cluster.objects.select_for_update().get(pk=cluster.pk)
                old = {k: getattr(cluster, k) for k in values}
                for key, value in values.items():
                    setattr(cluster, key, value)
                cluster.save()
    except IntegrityError:
        raise DomainError(f"There is already a cluster called {values['name']} in {values['academic_year']}.") from None
    before = set(ClusterSchool.objects.filter(cluster=cluster).values_list("school_id", flat=True))
    after = {s.pk for s in schools}
    ClusterSchool.objects.filter(cluster=cluster, school_id__in=before - after).delete()
    ClusterSchool.objects.bulk_create(
        [ClusterSchool(partnership=actor.partnership, cluster=cluster, school_id=urn) for urn in sorted(after - before)]
    )
    new = {k: _plain(v) for k, v in values.items() if not old or old[k] != v}
    old = {k: _plain(v) for k, v in old.items() if k in new}
    if before != after:
        old["schools"], new["schools"] = sorted(before), sorted(after)
    if new:
        record_event(partnership=actor.partnership, actor=actor.user,
                     action="cluster.saved", obj=cluster, old=old, new=new)
    return cluster


@transaction.atomic
def save_alliance(
    *, actor: Membership, name: str, description: str = "", schools: dict[str, list[School]], alliance: Alliance | None = None,
) -> Alliance:
    """Create or update an alliance with its lead schools, member schools and strategic partners."""
    _require(actor, "directory.manage")
    if not schools.get("lead"):
        raise DomainError("An alliance needs at least one lead school.")
    same_name = Alliance.objects.filter(partnership=actor.partnership, name__iexact=name)
    if alliance is not None:
        same_name = same_name.exclude(pk=alliance.pk)
    if same_name.exists():
        raise DomainError(f"There is already an alliance called {name}.")
    try:
        with transaction.atomic():
            if alliance is None:
                alliance = Alliance.objects.create(partnership=actor.partnership, name=name, description=description)
            else:
                alliance.name, alliance.description = name, description
                alliance.save(update_fields=["name", "description"])
    except IntegrityError:  # the same name saved by someone else a moment ago
        raise DomainError(f"There is already an alliance called {name}.") from None
    AllianceSchool.objects.filter(alliance=alliance).delete()
    seen: set[str] = set()
    rows = []
    for role in ("lead", "member", "strategic_partner"):
        for school in schools.get(role, []):
            if school.pk not in seen:
                seen.add(school.pk)
                rows.append(AllianceSchool(partnership=actor.partnership, alliance=alliance, school=school, role=role))
    AllianceSchool.objects.bulk_create(rows)
    record_event(partnership=actor.partnership, actor=actor.user, action="alliance.saved", obj=alliance,
                 new={"name": name, **{role: sorted(s.pk for s in schools.get(role, [])) for role in schools}})
    return alliance

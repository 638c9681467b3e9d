"""Writing the catalogue: create it, add and change its services while it is a draft, publish it (granting core
entitlements and telling the heads of member schools), change a published service by making a new version,
withdraw one from sale, and copy a year's catalogue forward with an uplift.

catalogue: draft -> published. service: draft -> published (when its catalogue is published) -> retired (replaced
by a newer version) | withdrawn (taken off sale). Every change is audited; every status change goes through
`portal.workflow.move`.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from portal.audit.services import record_event
from portal.errors import Conflict, DomainError, NotAllowed
from portal.formats import date_text
from portal.notifications.services import notify
from portal.tenancy.models import Membership
from portal.workflow import copy_state, move
from programmes.catalogue.rules import CATALOGUE_FIELDS, SERVICE_FIELDS, catalogue_problems, service_problems
from programmes.catalogue.selectors import heads_of_member_schools
from programmes.funding.entitlements import grant_core_entitlements
from programmes.models import Catalogue, CatalogueStatus, Service, ServiceStatus
from programmes.money import academic_year_of, start_year

CATALOGUE_MOVES = {CatalogueStatus.DRAFT: (CatalogueStatus.PUBLISHED,)}
SERVICE_MOVES = {
    ServiceStatus.DRAFT: (ServiceStatus.PUBLISHED,),
    ServiceStatus.PUBLISHED: (ServiceStatus.RETIRED, ServiceStatus.WITHDRAWN),
}


def _require(actor: Membership) -> None:
    if not actor.can("catalogue.manage"):
        raise NotAllowed("Only brokers and partnership admins change the catalogue.")


def _check(problems) -> None:
    if problems:
        raise DomainError(problems[0].message, field=problems[0].field)


def _plain(values: dict) -> dict:
    return {key: (str(value) if value is not None and not isinstance(value, (bool, int, list)) else value)
            for key, value in values.items()}


# Guards the pages ask ----------------------------------------------------------------------------------------

def can_change_services(actor: Membership, catalogue: Catalogue) -> bool:
    return actor.can("catalogue.manage") and catalogue.status == CatalogueStatus.DRAFT


def can_publish(actor: Membership, catalogue: Catalogue) -> bool:
    return can_change_services(actor, catalogue)


# The catalogue -----------------------------------------------------------------------------------------------

@transaction.atomic
def create_catalogue(*, actor: Membership, academic_year: str, values: dict) -> Catalogue:
    """A draft catalogue for a year that has none yet. Audited."""
    _require(actor)
    try:
        start_year(academic_year)
    except ValueError as error:
        raise DomainError(str(error), field="academic_year") from None
    _check(catalogue_problems(values, academic_year=academic_year))
    fields = {key: values.get(key) for key in CATALOGUE_FIELDS if key in values}
    try:
        with transaction.atomic():
            catalogue = Catalogue.objects.create(partnership=actor.partnership, academic_year=academic_year,
                                                 created_by=actor.user, **fields)
    except IntegrityError:
        raise DomainError(f"There is already a catalogue for {academic_year}. Open it from the list of catalogues.",
                          field="academic_year") from None
    record_event(partnership=actor.partnership, actor=actor.user, action="catalogue.created", obj=catalogue,
                 new=_plain({"academic_year": academic_year, **fields}))
    return catalogue


@transaction.atomic
def update_catalogue(*, actor: Membership, catalogue: Catalogue, values: dict) -> Catalogue:
    """Change a draft catalogue's title, introduction and rules. A published catalogue's rules stand: schools
    ordered under them."""
    _require(actor)
    locked = Catalogue.objects.select_for_update().get(pk=catalogue.pk)
    if locked.status != CatalogueStatus.DRAFT:
        raise Conflict("This catalogue is published, so its details can no longer change.")
    _check(catalogue_problems(values, academic_year=locked.academic_year))
    old = {key: getattr(locked, key) for key in CATALOGUE_FIELDS}
    for key in CATALOGUE_FIELDS:
        setattr(locked, key, values.get(key, old[key]))
    locked.save(update_fields=list(CATALOGUE_FIELDS))
    new = {key: getattr(locked, key) for key in CATALOGUE_FIELDS}
    record_event(partnership=actor.partnership, actor=actor.user, action="catalogue.updated", obj=locked,
                 old=_plain({k: v for k, v in old.items() if new[k] != v}),
                 new=_plain({k: v for k, v in new.items() if old[k] != v}))
    return locked


@transaction.atomic
def publish_catalogue(*, actor: Membership, catalogue: Catalogue) -> int:
    """Publish a draft catalogue and its services; grant the core entitlements to every member school (once
    each); tell the heads of member schools. Returns how many core entitlements were granted."""
    _require(actor)
    locked = Catalogue.objects.select_for_update().get(pk=catalogue.pk)
    services = list(Service.objects.filter(catalogue=locked, status=ServiceStatus.DRAFT).order_by("pk"))
    if locked.status == CatalogueStatus.DRAFT and not services:
        raise DomainError("Add at least one service before publishing the catalogue.")
    move(locked, CatalogueStatus.PUBLISHED, allowed=CATALOGUE_MOVES, actor=actor, expected=catalogue.status,
         note=f"{len(services)} services", published_by=actor.user, published_at=timezone.now())
    for service in services:
        move(service, ServiceStatus.PUBLISHED, allowed=SERVICE_MOVES, actor=actor, note=f"In {locked.title}")
    granted = grant_core_entitlements(locked)
    _tell_heads(locked)
    copy_state(catalogue, locked, "published_at", "published_by")
    return granted


def _tell_heads(catalogue: Catalogue) -> None:
    lines = [f"{catalogue.title} is published: the services the partnership sells to schools in "
             f"{catalogue.academic_year}, with the price that applies to your school."]
    if catalogue.renewal_deadline:
        lines.append(f"Please renew by {date_text(catalogue.renewal_deadline)}.")
    notify(partnership=catalogue.partnership, event_type="catalogue.published",
           recipients=heads_of_member_schools(partnership=catalogue.partnership),
           occurrence=f"catalogue:{catalogue.pk}:published",
           context={"subject": f"{catalogue.title} is published", "lines": lines, "action": "See the catalogue"},
           link=reverse("programmes:catalogue", kwargs={"partnership_slug": catalogue.partnership.slug,
                                                        "pk": catalogue.pk}))


# Services ----------------------------------------------------------------------------------------------------

def _service_values(values: dict) -> dict:
    return {key: values[key] for key in SERVICE_FIELDS if key in values}


def _locked_draft_catalogue(catalogue: Catalogue) -> Catalogue:
    locked = Catalogue.objects.select_for_update().get(pk=catalogue.pk)
    if locked.status != CatalogueStatus.DRAFT:
        raise Conflict("This catalogue is published: change a service to make a new version of it, or withdraw it.")
    return locked


@transaction.atomic
def add_service(*, actor: Membership, catalogue: Catalogue, values: dict) -> Service:
    """A new service in a draft catalogue, listed last. Audited."""
    _require(actor)
    locked = _locked_draft_catalogue(catalogue)
    fields = _service_values(values)
    _check(service_problems(fields, academic_year=locked.academic_year))
    last = Service.objects.filter(catalogue=locked).aggregate(last=Max("position"))["last"]
    service = Service.objects.create(partnership=locked.partnership, catalogue=locked, created_by=actor.user,
                                     position=(last or 0) + 1, **fields)
    record_event(partnership=actor.partnership, actor=actor.user, action="service.created", obj=service,
                 new=_plain(fields), note=f"In {locked.title}")
    return service


@transaction.atomic
def change_service(*, actor: Membership, service: Service, values: dict) -> Service:
    """Change a service. A draft changes in place. A published one is never edited: a new version (same lineage,
    the next number, `previous` set) replaces it, which retires the old one; the lock and the one-live-version
    constraint let exactly one of two editors make the next version. Order lines keep the version they bought.
    Returns the service as it now stands (the new version, when one was made)."""
    _require(actor)
    locked = Service.objects.select_for_update().select_related("catalogue").get(pk=service.pk)
    if locked.status != service.status or locked.status not in (ServiceStatus.DRAFT, ServiceStatus.PUBLISHED):
        raise Conflict("Someone else changed this service first. Reload the page to see it as it is now.")
    fields = _service_values(values)
    _check(service_problems(fields, academic_year=locked.catalogue.academic_year, sold=locked.sold))
    if locked.status == ServiceStatus.PUBLISHED and fields.get("kind", locked.kind) != locked.kind:
        # Entitlements and charges already made follow the kind; a different kind is a different service.
        raise DomainError("A published service keeps its kind. Withdraw it instead, and sell the other kind as a new "
                          "service in next year's catalogue.", field="kind")
    old = {key: getattr(locked, key) for key in fields}
    changed = {key: value for key, value in fields.items() if old[key] != value}
    if not changed:
        return locked
    if locked.status == ServiceStatus.DRAFT:
        for key, value in changed.items():
            setattr(locked, key, value)
        locked.save(update_fields=list(changed))
        record_event(partnership=actor.partnership, actor=actor.user, action="service.updated", obj=locked,
                     old=_plain({k: old[k] for k in changed}), new=_plain(changed))
        return locked
    return _new_version(actor, locked, fields, changed, old)


def _new_version(actor: Membership, current: Service, fields: dict, changed: dict, old: dict) -> Service:
    move(current, ServiceStatus.RETIRED, allowed=SERVICE_MOVES, actor=actor,
         note=f"Replaced by version {current.version + 1}")
    kept = {f.name: getattr(current, f.name) for f in Service._meta.concrete_fields
            if f.name not in ("id", "status", "version", "previous", "created_by", "created_at", *SERVICE_FIELDS)}
    try:
        with transaction.atomic():
            # `sold` carries over, so a limit counts every unit sold of the service, whichever version.
            new = Service.objects.create(**{**kept, **fields}, status=ServiceStatus.PUBLISHED,
                                         version=current.version + 1, previous=current, created_by=actor.user)
    except IntegrityError:
        raise Conflict("Someone else changed this service first. Reload the page to see it as it is now.") from None
    record_event(partnership=actor.partnership, actor=actor.user, action="service.versioned", obj=new,
                 old=_plain({k: old[k] for k in changed}), new=_plain(changed),
                 note=f"Version {new.version} replaces version {current.version}")
    return new


@transaction.atomic
def remove_service(*, actor: Membership, service: Service) -> None:
    """Delete a service of a draft catalogue (nobody can have ordered it). Audited."""
    _require(actor)
    locked = Service.objects.select_for_update().get(pk=service.pk)
    _locked_draft_catalogue(locked.catalogue)
    if locked.status != ServiceStatus.DRAFT:
        raise Conflict("Only a draft service can be removed: withdraw a published one from sale instead.")
    record_event(partnership=actor.partnership, actor=actor.user, action="service.removed", obj=locked,
                 old={"name": locked.name})
    locked.delete()


@transaction.atomic
def withdraw_service(*, actor: Membership, service: Service, reason: str) -> None:
    """Take a published service off sale. Orders already made keep it; nobody can order it any more."""
    _require(actor)
    if not reason.strip():
        raise DomainError("Say why the service is withdrawn.", field="note")
    move(service, ServiceStatus.WITHDRAWN, allowed=SERVICE_MOVES, actor=actor, note=reason)


def grant_core_on_joining(*, partnership, school, actor: Membership) -> int:
    """A school that becomes a member gets the core entitlement of each published catalogue for this academic
    year or later (registered with alliances, which calls it when a school joins). Returns how many were
    granted."""
    current = academic_year_of(timezone.localdate())
    granted = 0
    for catalogue in Catalogue.objects.filter(partnership=partnership, status=CatalogueStatus.PUBLISHED,
                                              academic_year__gte=current).order_by("academic_year"):
        count = grant_core_entitlements(catalogue, school_ids=[school.pk])
        if count:
            record_event(partnership=partnership, actor=actor.user, action="catalogue.core_granted", obj=catalogue,
                         new={"school": school.pk, "entitlements": count}, note=f"{school.name} joined")
        granted += count
    return granted

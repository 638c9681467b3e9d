"""Copying a year's catalogue forward: a new draft for a later academic year, every price raised by the same
percentage, every date moved on by the same number of years, limits kept, and the source remembered."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction

from portal.audit.services import record_event
from portal.errors import DomainError, NotAllowed
from portal.tenancy.models import Membership
from programmes.catalogue.rules import SERVICE_FIELDS
from programmes.models import Catalogue, Service, ServiceStatus
from programmes.money import start_year, uplift, year_label

PRICE_FIELDS = ("member_price", "non_member_price", "academy_price")
DATE_FIELDS = ("order_opens", "order_closes", "starts_on")
MAX_UPLIFT = Decimal(100)


def years_later(day: date | None, years: int) -> date | None:
    """`day` moved on `years` years; 29 February becomes 28 February in a year without one."""
    if day is None:
        return None
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def next_title(title: str, source_year: str, target_year: str) -> str:
    """The title with the year written either way (2018-19 or 2018/19) changed to the new year."""
    for old, new in ((source_year, target_year), (source_year.replace("-", "/"), target_year.replace("-", "/"))):
        title = title.replace(old, new)
    return title


def next_year(catalogue: Catalogue) -> str:
    return year_label(start_year(catalogue.academic_year) + 1)


@transaction.atomic
def copy_catalogue_forward(*, actor: Membership, catalogue: Catalogue, uplift_percent: Decimal,
                           academic_year: str | None = None, title: str = "") -> Catalogue:
    """A new draft catalogue for `academic_year` (by default the next one) with every current service of
    `catalogue`, prices raised by `uplift_percent` (to the penny) and dates moved on. Audited."""
    if not actor.can("catalogue.manage"):
        raise NotAllowed("Only brokers and partnership admins change the catalogue.")
    target = academic_year or next_year(catalogue)
    try:
        years = start_year(target) - start_year(catalogue.academic_year)
    except ValueError as error:
        raise DomainError(str(error), field="academic_year") from None
    if years < 1:
        raise DomainError(f"Copy the catalogue to a year after {catalogue.academic_year}.", field="academic_year")
    if not -MAX_UPLIFT < uplift_percent <= MAX_UPLIFT:
        raise DomainError("Enter an uplift between -99.99% and 100%.", field="uplift_percent")
    try:
        with transaction.atomic():
            copy = Catalogue.objects.create(
                partnership=catalogue.partnership, academic_year=target, created_by=actor.user,
                title=title or next_title(catalogue.title, catalogue.academic_year, target),
                introduction=catalogue.introduction, cancellation_rule=catalogue.cancellation_rule,
                cancellation_notice_days=catalogue.cancellation_notice_days,
                invoice_schedule=catalogue.invoice_schedule, copied_from=catalogue, uplift_percent=uplift_percent,
                renewal_deadline=years_later(catalogue.renewal_deadline, years))
    except IntegrityError:
        raise DomainError(f"There is already a catalogue for {target}.", field="academic_year") from None
    services = Service.objects.filter(catalogue=catalogue, status__in=(ServiceStatus.DRAFT, ServiceStatus.PUBLISHED))
    Service.objects.bulk_create([_copy(service, copy, actor, uplift_percent, years)
                                 for service in services.order_by("position", "pk")])
    record_event(partnership=actor.partnership, actor=actor.user, action="catalogue.copied", obj=copy,
                 new={"academic_year": target, "copied_from": catalogue.pk, "uplift_percent": str(uplift_percent)},
                 note=f"Copied from {catalogue.title}")
    return copy


def _copy(service: Service, catalogue: Catalogue, actor: Membership, percent: Decimal, years: int) -> Service:
    values = {name: getattr(service, name) for name in SERVICE_FIELDS}
    for name in PRICE_FIELDS:
        if values[name] is not None:
            values[name] = uplift(values[name], percent)
    for name in DATE_FIELDS:
        values[name] = years_later(values[name], years)
    # A new year's service is a new lineage: its versions are the new year's, and nothing has been sold yet.
    return Service(partnership=catalogue.partnership, catalogue=catalogue, position=service.position,
                   created_by=actor.user, **values)

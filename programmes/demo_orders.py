"""Demo orders: heads of several schools order packages from a published catalogue, through the same services the
pages use; the steering group confirms all but the last, which waits on the broker's home page.

`build_orders(catalogue)` works with any published catalogue that has packages and a partnership with heads
linked to schools and a broker. It is safe to run twice: a school that already ordered from the catalogue is
skipped.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from portal.tenancy.models import Membership
from portal.tenancy.roles import Role
from programmes.models import Catalogue, Order, Service, ServiceKind, ServiceStatus
from programmes.orders import services, transitions


def _order_day(packages: list[Service], today: date | None) -> date:
    """A day inside every package's order window: today when it is, otherwise the latest opening day."""
    day = today or timezone.localdate()
    opens = [p.order_opens for p in packages if p.order_opens]
    closes = [p.order_closes for p in packages if p.order_closes]
    if (opens and day < max(opens)) or (closes and day > min(closes)):
        day = max(opens) if opens else min(closes)
    return day


def build_orders(catalogue: Catalogue, *, schools: int = 4, today: date | None = None) -> list[Order]:
    """Orders from up to `schools` schools whose heads are members, one package each (the first school takes two),
    sent with every term accepted and confirmed by a broker; the last stays waiting for a decision."""
    partnership = catalogue.partnership
    packages = list(Service.objects.filter(catalogue=catalogue, status=ServiceStatus.PUBLISHED,
                                           kind=ServiceKind.PACKAGE).order_by("position", "pk"))
    broker = (Membership.objects.filter(partnership=partnership, role=Role.BROKER, is_active=True)
              .select_related("user", "partnership").order_by("pk").first())
    if not packages or broker is None:
        return []
    day = _order_day(packages, today)
    ordered = set(Order.objects.filter(catalogue=catalogue).values_list("school_id", flat=True))
    heads = (Membership.objects.filter(partnership=partnership, role=Role.HEADTEACHER, is_active=True)
             .select_related("user", "partnership").order_by("pk"))
    placed: list[Order] = []
    for head in heads:
        for school in head.schools.order_by("urn"):
            if len(placed) == schools or school.urn in ordered:
                continue
            choices = {c.service.pk: c for c in services.choices_for(catalogue, school, today=day)}
            package = next((p for p in packages[len(placed) % len(packages):] + packages
                            if p.pk in choices and not choices[p.pk].problem), None)
            if package is None:
                continue
            order = services.start_order(actor=head, school=school, catalogue=catalogue)
            services.save_draft(actor=head, order=order, quantities={package.pk: 2 if not placed else 1},
                                purchase_order=f"PO-{school.urn}", payg_beyond_balance=not placed, today=day)
            order = transitions.send_order(actor=head, order=order, accepted={package.pk}, today=day)
            ordered.add(school.urn)
            placed.append(order)
    for order in placed[:-1] if len(placed) > 1 else placed:
        transitions.confirm_order(actor=broker, order=order, today=day)
    return placed

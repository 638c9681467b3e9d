"""What funds a deployment, turned into drawdown: the bridge from deployments to `programmes.funding.drawdown`.

Called by `deployments.processes` inside its transactions, after the deployment or visit row is locked (so the
lock order is always deployment, then entitlement). Which visits draw: a visit the school confirms, and a disputed
visit the broker settles in the leader's favour. A visit removed after drawing gives its days back. Approval holds
the agreed days; a change both sides confirmed holds the new days; closing (stopped, completed or cancelled)
releases what is still held.

The head's consent to pay as you go beyond the balance counts when given on the request (`payg_beyond_balance`,
with the entitlement they chose, for this support) or on the order that bought the entitlement (for everything
it bought). Without either, a visit beyond the balance is refused.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from deployments.models import Deployment, Funder, SupportRequest, Visit
from programmes.finance.charges import charge_payg
from programmes.funding import drawdown
from programmes.models import Entitlement


def holder(deployment: Deployment) -> str:
    return f"deployment:{deployment.pk}"


def _consent(deployment: Deployment) -> bool:
    return (SupportRequest.objects.filter(pk=deployment.request_id, payg_beyond_balance=True).exists()
            or Entitlement.objects.filter(pk=deployment.entitlement_id,
                                          order_line__order__payg_beyond_balance=True).exists())


def hold_for(*, deployment: Deployment, actor, cause: tuple[str, int] | None = None) -> None:
    """Approval (or an applied change, named by `cause`) holds the deployment's agreed days on its entitlement."""
    if deployment.entitlement_id is None:
        return
    drawdown.hold_days(entitlement_id=deployment.entitlement_id, holder=holder(deployment), agreed=deployment.days,
                       cause=cause or ("deployment", deployment.pk), allow_short=_consent(deployment), actor=actor)


def draw_for(*, deployment: Deployment, visit: Visit, actor) -> None:
    """A visit now counts as delivered: it draws from the entitlement, or is charged when the work is pay as you go."""
    description = f"{deployment.reference}: {deployment.leader.name}, visit on {visit.visit_date.isoformat()}"
    if deployment.entitlement_id is not None:
        beyond = drawdown.BeyondBalance(day_rate=deployment.day_rate, description=description,
                                        on=visit.visit_date) if _consent(deployment) else None
        drawdown.draw_for_visit(entitlement_id=deployment.entitlement_id, holder=holder(deployment),
                                visit_id=visit.pk, days=Decimal(visit.days), school_name=deployment.school.name,
                                beyond=beyond, actor=actor)
    elif deployment.funder == Funder.PAYG:
        charge_payg(partnership=deployment.partnership, school=deployment.school, service=None,
                    description=description, days=Decimal(visit.days), day_rate=deployment.day_rate,
                    on=visit.visit_date or timezone.localdate(), cause_type="visit", cause_id=visit.pk, actor=actor)


def give_back_for(*, deployment: Deployment, visit: Visit, actor, note: str = "") -> None:
    if deployment.entitlement_id is not None:
        drawdown.give_back_visit(entitlement_id=deployment.entitlement_id, visit_id=visit.pk, actor=actor, note=note)


def release_for(*, deployment: Deployment, actor) -> None:
    if deployment.entitlement_id is not None:
        drawdown.release_hold(entitlement_id=deployment.entitlement_id, holder=holder(deployment),
                              cause=("deployment", deployment.pk), actor=actor,
                              note=f"{deployment.reference} closed: {deployment.get_status_display().lower()}")

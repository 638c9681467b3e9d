"""Template helpers for brokerage pages: plain-English timeline entries and status tag colours."""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

from deployments.progress import NEXT_STEP
from portal.ui.printed import pk_url, printed

register = template.Library()

EVENTS = {
    "deployment.carried_over": "Carried over from the records kept before the portal",
    "request.started": "Request started",
    "request.submitted": "Request sent to the steering group",
    "request.triaged": "Taken on by the steering group",
    "request.declined": "Not taken on",
    "request.withdrawn": "Request withdrawn by the school",
    "request.deleted": "Draft deleted",
    "request.matched": "A system leader accepted",
    "offer.made": "Offered to a system leader",
    "offer.accepted": "Offer accepted",
    "offer.declined": "Offer declined",
    "offer.withdrawn": "Offer withdrawn",
    "offer.expired": "Offer expired without an answer",
    "offer.released": "Accepted offer released",
    "deployment.proposed": "Deployment proposed",
    "deployment.approved": "Deployment approved",
    "deployment.rejected": "Deployment not approved",
    "deployment.confirmed_by_headteacher": "Agreement confirmed by the school",
    "deployment.confirmed_by_system_leader": "Agreement confirmed by the system leader",
    "deployment.active": "Agreement in force: work under way",
    "deployment.paused": "Deployment paused",
    "deployment.stopped": "Deployment stopped early",
    "deployment.completed": "Deployment completed",
    "deployment.cancelled": "Deployment cancelled",
    "deployment.varied": "Agreement changed",
    "variation.proposed": "Change to the agreement proposed",
    "variation.approved": "Change to the agreement approved",
    "variation.rejected": "Change to the agreement not approved",
    "variation.confirmed_by_headteacher": "Change to the agreement confirmed by the school",
    "variation.confirmed_by_system_leader": "Change to the agreement confirmed by the system leader",
    "variation.applied": "Change to the agreement in force",
    "variation.declined": "Change to the agreement declined",
    "variation.withdrawn": "Change to the agreement withdrawn",
    "visit.logged": "Visit logged",
    "visit.confirmed": "Visit confirmed by the school",
    "visit.disputed": "Visit disputed by the school",
    "visit.dispute_upheld": "Disputed visit upheld by the broker",
    "visit.dispute_removed": "Disputed visit removed by the broker",
    "visit.corrected": "Visit corrected by the system leader",
    "visit.deleted": "Visit deleted by the system leader",
    "visit.voided": "Visit void: the deployment closed before the school answered",
    # {review} is the review's name, "Final evaluation" or "Termly review (Autumn term 2026-27)" (deployments.history).
    "review.submitted": "{review} sent to the headteacher",
    "review.returned": "{review} returned with comments by the headteacher",
    "review.agreed": "{review} agreed by the headteacher",
}

TAGS = {
    "draft": "yellow", "submitted": "blue", "triaged": "blue", "matched": "turquoise", "declined": "red",
    "withdrawn": "grey", "open": "blue", "accepted": "green", "expired": "grey", "released": "grey",
    "proposed": "yellow", "rejected": "red", "approved": "turquoise", "active": "green", "paused": "orange",
    "completed": "grey", "stopped": "red", "cancelled": "grey", "logged": "yellow", "confirmed": "green",
    "disputed": "red", "removed": "grey", "deleted": "grey", "voided": "grey", "confirming": "yellow", "applied": "green",
}


@register.filter
def event_label(event) -> str:
    """What an audit event means, in words; a resumed deployment is the move from paused back to under way."""
    if event.action == "deployment.active" and event.old.get("status") == "paused":
        return "Deployment resumed"
    label = EVENTS.get(event.action, event.action.replace(".", ": ").replace("_", " ").capitalize())
    return label.format(review=getattr(event, "subject", "") or "Review")


@register.filter
def next_step(progress: str) -> str:
    """What happens next for a request at this stage (`deployments.progress.NEXT_STEP`)."""
    return NEXT_STEP.get(progress, "")


@register.filter
def versions(event) -> list[tuple[str, str, str]]:
    """(what, before, after) for an event that keeps both versions of what changed (an agreement changed)."""
    before = dict(tuple(row) for row in (event.old or {}).get("changes", []))
    return [(what, before.get(what, ""), after) for what, after in (event.new or {}).get("changes", [])]


@register.filter
def status_tag(status: str) -> str:
    colour = TAGS.get(status, "")
    return f"govuk-tag govuk-tag--{colour}" if colour else "govuk-tag"


# The candidates page (matching) lists up to 50 candidates and 100 leaders not considered, each with several
# values: built here in Python, once per row, rather than by the template engine's loops (about a third of the
# page's time at 12,000 leaders). The markup is exactly what the template's loops made.


@register.simple_tag(takes_context=True)
def candidate_rows(context, ranked) -> str:
    can_offer, open_offers, selected = context.get("can_offer"), context.get("open_offers"), context.get("selected")
    leader_url = pk_url("alliances:leader", context["partnership"].slug)
    rows = []
    for c in ranked:
        leader = c.leader
        pk = printed(leader.pk)
        name = printed(leader.name)
        offer = ""
        if can_offer:
            if leader.pk in open_offers:
                choice = '<strong class="govuk-tag govuk-tag--blue">Offered</strong>'
            else:
                checked = " checked" if str(leader.pk) in selected else ""
                choice = (
                    '\n            <div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">'
                    '<div class="govuk-checkboxes__item">\n'
                    f'              <input class="govuk-checkboxes__input" id="leader-{pk}" name="leaders" '
                    f'type="checkbox" value="{pk}"{checked}>\n'
                    f'              <label class="govuk-label govuk-checkboxes__label" for="leader-{pk}">'
                    f'<span class="govuk-visually-hidden">Offer to {name}</span></label>\n'
                    '            </div></div>')
            offer = f'<td class="govuk-table__cell">{choice}</td>'
        url = printed(leader_url(leader.pk))
        flags = "".join(f' <strong class="govuk-tag govuk-tag--orange">{printed(flag)}</strong>' for flag in c.flags)
        why = "".join(f"<li>{printed(reason)}</li>" for reason in c.why)
        rows.append(
            '\n        <tr class="govuk-table__row">\n'
            f'          {offer}\n'
            f'          <td class="govuk-table__cell"><a class="govuk-link" href="{url}">{name}</a>{flags}'
            '<span class="govuk-body-s govuk-!-display-block govuk-!-margin-bottom-0">'
            f'{printed(leader.designation)} · {printed(leader.home_name)}</span></td>\n'
            f'          <td class="govuk-table__cell govuk-table__cell--numeric">{printed(c.score)}</td>\n'
            f'          <td class="govuk-table__cell"><ul class="govuk-list govuk-body-s govuk-!-margin-bottom-0">{why}'
            '</ul></td>\n'
            '        </tr>\n      ')
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped


@register.simple_tag(takes_context=True)
def excluded_rows(context, excluded) -> str:
    can_offer, selected = context.get("can_offer"), context.get("selected")
    rows = []
    for c in excluded:
        pk, name = printed(c.leader.pk), printed(c.leader.name)
        why_not = "; ".join(printed(reason) for reason in c.why_not)
        if can_offer:
            checked = " checked" if str(c.leader.pk) in selected else ""
            rows.append(
                '<div class="govuk-checkboxes__item">\n'
                f'            <input class="govuk-checkboxes__input" id="excluded-{pk}" name="leaders" type="checkbox" '
                f'value="{pk}"{checked}>\n'
                f'            <label class="govuk-label govuk-checkboxes__label" for="excluded-{pk}"><strong>{name}'
                f'</strong>: {why_not}</label>\n'
                '          </div>')
        else:
            rows.append(f"<li><strong>{name}</strong>: {why_not}</li>")
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped

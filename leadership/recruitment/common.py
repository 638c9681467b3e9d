"""What every recruitment module shares: who is involved, links and telling people (through the outbox)."""

from __future__ import annotations

from django.urls import reverse

from alliances.models import LEADER_PHASES
from portal.errors import NotAllowed
from portal.notifications.services import notify
from portal.tenancy.models import Membership, Partnership
from portal.tenancy.roles import STEERING_GROUP_ROLES
from portal.tenancy.selectors import active_members

PHASE_FIELDS = tuple(LEADER_PHASES)


def require(actor: Membership, capability: str) -> None:
    if not actor.can(capability):
        raise NotAllowed("Your role does not let you do that. Ask the steering group if you need to.")


def steering_group(partnership: Partnership) -> list:
    return active_members(partnership, *STEERING_GROUP_ROLES)


def link(partnership: Partnership, name: str, **kwargs) -> str:
    return reverse(f"leadership:{name}", kwargs={"partnership_slug": partnership.slug, **kwargs})


def tell(partnership: Partnership, event: str, recipients, *, occurrence: str, subject: str, lines: list[str],
         link_to: str, action: str = "Open it in the portal", note: str = "", note_label: str = "") -> None:
    """One outbox notification in the words of the shared template (a subject, lines, a link)."""
    notify(partnership=partnership, event_type=event, recipients=recipients, occurrence=occurrence, link=link_to,
           context={"subject": subject, "lines": lines, "action": action, "note": note, "note_label": note_label})


def designation_label(partnership: Partnership, code: str) -> str:
    return partnership.designation_labels.get(code, code)

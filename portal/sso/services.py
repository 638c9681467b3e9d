from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest

from portal.audit.services import record_event
from portal.errors import DomainError
from portal.sso.models import Provider, SignInProvider
from portal.sso.policy import Decision
from portal.tenancy.models import Membership
from portal.tenancy.rls import partnership_scope


def sign_in_settings(*, partnership) -> dict[str, SignInProvider]:
    """Each provider's settings in the partnership, unsaved defaults (not allowed) where none are stored."""
    stored = {row.provider: row for row in SignInProvider.objects.filter(partnership=partnership)}
    return {provider: stored.get(provider) or SignInProvider(partnership=partnership, provider=provider)
            for provider in Provider.values}


@transaction.atomic
def update_sign_in_provider(*, actor: Membership, provider: str, allowed: bool, domains: list[str],
                            enforces_mfa: bool) -> SignInProvider:
    """Save whether the partnership allows `provider`, for which domains, and whether it enforces a second
    factor (admins only); the audit event lists what changed."""
    if not actor.can("settings.manage"):
        raise DomainError("Only the partnership's admins can change how members sign in.")
    if provider not in Provider.values:
        raise ValueError(f"{provider} is not a sign-in provider.")
    row, created = SignInProvider.objects.select_for_update().get_or_create(
        partnership=actor.partnership, provider=provider)
    new_values = {"allowed": allowed, "email_domains": "\n".join(domains), "enforces_mfa": enforces_mfa}
    old, new = {}, {}
    for name, value in new_values.items():
        if created or getattr(row, name) != value:
            old[name] = None if created else getattr(row, name)
            new[name] = value
            setattr(row, name, value)
    if new:
        row.save()
        record_event(partnership=actor.partnership, actor=actor.user, action="sso.settings_changed", obj=row,
                     old=old, new=new, note=row.get_provider_display())
    return row


def record_link(*, decision: Decision, request: HttpRequest) -> None:
    """Audit a person's first single sign-on in each partnership that allowed it."""
    for partnership in decision.partnerships:
        with partnership_scope(partnership), transaction.atomic():
            record_event(partnership=partnership, actor=decision.user, action="sso.account_linked",
                         obj=decision.user, new={"provider": decision.provider, "email": decision.email})

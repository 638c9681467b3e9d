"""Who a single sign-on may sign in as: the one rule, `decide`, and what it lets stand in for the second factor."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from allauth.account.authentication import get_authentication_records
from django.http import HttpRequest

from portal.accounts.models import User
from portal.sso.config import PROVIDER_NAMES
from portal.sso.models import SignInProvider
from portal.tenancy.models import Membership, Partnership
from portal.tenancy.rls import cross_partnership, partnership_scope

# Why a sign-in was refused; the refusal page explains each.
UNVERIFIED = "unverified"
NO_EMAIL = "no_email"
NO_ACCOUNT = "no_account"
NOT_ALLOWED = "not_allowed"
DOMAIN = "domain"
OTHER_ACCOUNT = "other_account"


@dataclass
class Decision:
    provider: str
    email: str = ""
    user: User | None = None
    refused: str = ""
    # The user's partnerships that allow this provider for this email (empty when refused).
    partnerships: list[Partnership] = field(default_factory=list)

    @property
    def provider_name(self) -> str:
        return PROVIDER_NAMES.get(self.provider, self.provider)

    @property
    def domain(self) -> str:
        return self.email.rpartition("@")[2]


def _true(value) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def claims_of(extra_data: dict) -> dict:
    """The person's claims from an OpenID Connect sign-in: the ID token's, over the userinfo endpoint's."""
    return {**(extra_data.get("userinfo") or {}), **(extra_data.get("id_token") or {})}


def email_is_verified(provider: str, claims: dict) -> bool:
    """`email_verified` true; for Entra ID, which does not send that claim, its optional claim `xms_edov`
    (the email's domain is verified by the tenant that owns it) counts the same."""
    if _true(claims.get("email_verified")):
        return True
    return provider == "microsoft" and _true(claims.get("xms_edov"))


def _allowing(provider: str, email: str, memberships: Iterable[Membership]) -> tuple[list[Partnership], bool]:
    """The partnerships (of these memberships) whose settings allow `provider` for `email`, and whether any
    of them allows the provider at all (for the refusal's reason)."""
    by_pk = {m.partnership_id: m.partnership for m in memberships}
    if not by_pk:
        return [], False
    with cross_partnership("single sign-on: the sign-in settings of the person's partnerships", quiet=True):
        settings_rows = list(SignInProvider.objects.filter(
            partnership_id__in=list(by_pk), provider=provider, allowed=True))
    return [by_pk[row.partnership_id] for row in settings_rows if row.allows(email)], bool(settings_rows)


def decide(*, provider: str, claims: dict) -> Decision:
    """Whether a person signed in by `provider` with these claims may sign in, and as whom.

    Only as the existing, active user whose email is the verified email of the claims, and only when at least
    one of their active memberships' partnerships allows the provider for that email's domain. Never anyone new.
    """
    email = (claims.get("email") or "").strip().lower()
    decision = Decision(provider=provider, email=email)
    if not email:
        decision.refused = NO_EMAIL
        return decision
    if not email_is_verified(provider, claims):
        decision.refused = UNVERIFIED
        return decision
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        decision.refused = NO_ACCOUNT
        return decision
    with cross_partnership("single sign-on: the person's memberships", quiet=True):
        memberships = list(Membership.objects.filter(user=user, is_active=True, partnership__is_active=True)
                           .select_related("partnership"))
    allowing, any_allowed = _allowing(provider, email, memberships)
    if not allowing:
        decision.refused = DOMAIN if any_allowed else NOT_ALLOWED
        return decision
    decision.user = user
    decision.partnerships = allowing
    return decision


def enforces_mfa_anywhere(*, user: User, provider: str) -> bool:
    """Whether any partnership of the user that allows this provider for their email records that the
    provider enforces a second factor (then allauth does not ask for the portal's at sign-in; each
    partnership's pages still ask where its own settings do not say so)."""
    with cross_partnership("single sign-on: does the provider's second factor count", quiet=True):
        memberships = list(Membership.objects.filter(user=user, is_active=True, partnership__is_active=True)
                           .select_related("partnership"))
        rows = SignInProvider.objects.filter(
            partnership_id__in=[m.partnership_id for m in memberships], provider=provider, allowed=True,
            enforces_mfa=True)
        return any(row.allows(user.email) for row in rows)


def sso_providers_of_session(request: HttpRequest) -> set[str]:
    """The providers this session signed in with (allauth's authentication records: no query)."""
    records = get_authentication_records(request, request.user)
    return {record["provider"] for record in records if record.get("method") == "socialaccount"
            and record.get("provider")}


def provider_mfa_counts(request: HttpRequest, partnership: Partnership) -> bool:
    """True when this session signed in with a provider that `partnership` records as enforcing a second factor
    for the user's email domain. A password session costs no query."""
    providers = sso_providers_of_session(request)
    if not providers:
        return False
    with partnership_scope(partnership):
        rows = SignInProvider.objects.filter(partnership=partnership, provider__in=providers, allowed=True,
                                             enforces_mfa=True)
        return any(row.allows(request.user.email) for row in rows)

"""Creating, revoking, checking and counting API tokens.

Rate limits are a fixed window per token in the cache (`API_RATE_LIMIT` requests per `API_RATE_WINDOW` seconds).
The cache is portal.cache's: while Redis is down it counts in each process's memory, so the limit still applies
(per process) and the API keeps answering: it fails open, never locking a client out because Redis is.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from api.models import TOKEN_PREFIX, ApiToken, ApiTokenUsage, Resource
from portal.audit.services import record_event
from portal.calendar.schooldays import today_in_london
from portal.errors import DomainError
from portal.tenancy.models import Membership
from portal.tenancy.rls import cross_partnership

PREFIX_LENGTH = 8  # "s2s_" and four characters of the secret: enough to tell tokens apart, useless to guess one


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_token(*, actor: Membership, name: str, scopes: list[str], local_authorities, contacts: bool,
                 expires_on: date) -> tuple[ApiToken, str]:
    """A new token and its secret (returned once: only its hash is kept). Guard: admins only; an expiry in the
    future. Audit event api_token.created."""
    if not actor.can("api.manage"):
        raise DomainError("Only the partnership's admins can create API tokens.")
    if expires_on <= today_in_london():
        raise DomainError("Choose an expiry date in the future.")
    unknown = set(scopes) - set(Resource.values)
    if unknown or not scopes:
        raise DomainError("Choose at least one of the resources in the list.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        partnership=actor.partnership, name=name, prefix=secret[:PREFIX_LENGTH], token_hash=hash_secret(secret),
        scopes=sorted(scopes), contacts=contacts, expires_on=expires_on, created_by=actor.user)
    token.local_authorities.set(local_authorities)
    record_event(partnership=actor.partnership, action="api_token.created", actor=actor.user, obj=token,
                 new={"scopes": token.scopes, "contacts": contacts, "expires_on": expires_on.isoformat(),
                      "local_authorities": sorted(la.pk for la in local_authorities)})
    return token, secret


@transaction.atomic
def revoke_token(*, actor: Membership, token: ApiToken) -> None:
    """Stops the token working at once. Guard: admins only; not already revoked. Audit event api_token.revoked."""
    if not actor.can("api.manage"):
        raise DomainError("Only the partnership's admins can revoke API tokens.")
    now = timezone.now()
    if not ApiToken.objects.filter(pk=token.pk, partnership=actor.partnership, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=actor.user):
        raise DomainError("This token was already revoked.")
    token.revoked_at, token.revoked_by = now, actor.user
    record_event(partnership=actor.partnership, action="api_token.revoked", actor=actor.user, obj=token)


def global_token_for_secret(secret: str) -> ApiToken | None:
    """The live token a bearer secret names, in whichever partnership, or None (unknown, revoked or expired)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    with cross_partnership("an API client's bearer token names its partnership", quiet=True):
        token = (ApiToken.objects.filter(token_hash=hash_secret(secret), revoked_at__isnull=True,
                                         expires_on__gte=today_in_london(), partnership__is_active=True)
                 .select_related("partnership").first())
        if token is not None:
            token.la_codes = sorted(token.local_authorities.values_list("code", flat=True))
    return token


@dataclass(frozen=True)
class RateCheck:
    allowed: bool
    retry_after: int


def check_rate(token: ApiToken, *, now: float | None = None) -> RateCheck:
    """Counts this request in the token's current window. Never raises: a cache failure lets the request through."""
    window = settings.API_RATE_WINDOW
    now = time.time() if now is None else now
    start = int(now // window) * window
    key = f"api-rate:{token.pk}:{start}"
    try:
        cache.add(key, 0, timeout=window + 5)
        count = cache.incr(key)
    except Exception:  # noqa: BLE001 - the portal's cache already falls back to memory; this is the last resort
        return RateCheck(True, 0)
    return RateCheck(count <= settings.API_RATE_LIMIT, max(1, int(start + window - now)))


def record_use(token: ApiToken, *, refused: bool = False) -> None:
    """Counts the request in today's usage row and sets `last_used_at`; call inside the token's partnership scope."""
    today = today_in_london()
    field = "refused" if refused else "requests"
    updated = ApiTokenUsage.objects.filter(token=token, day=today).update(**{field: F(field) + 1})
    if not updated:
        try:
            with transaction.atomic():
                ApiTokenUsage.objects.create(partnership=token.partnership, token=token, day=today, **{field: 1})
        except IntegrityError:  # another request made today's row first
            ApiTokenUsage.objects.filter(token=token, day=today).update(**{field: F(field) + 1})
    if not refused:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())

"""Bearer-token authentication for the API: the token names its partnership; every use is counted (a usage row per
token and day), logged (one line per request, with the request id the logging middleware adds) and rate limited."""

from __future__ import annotations

import logging

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer

from api import tokens
from api.models import ApiToken
from portal.tenancy.rls import partnership_scope

logger = logging.getLogger("api.usage")


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__("rate limited")
        self.retry_after = retry_after


class TokenAuth(HttpBearer):
    """`Authorization: Bearer s2s_...`. Unknown, revoked and expired tokens get 401; over the limit, 429."""

    openapi_description = "An API token made by a partnership admin on the portal's API tokens page."

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = tokens.global_token_for_secret(token)
        if found is None:
            return None
        rate = tokens.check_rate(found)
        with partnership_scope(found.partnership):
            tokens.record_use(found, refused=not rate.allowed)
        logger.info("API token %s (%s, partnership %s) %s %s%s", found.pk, found.name, found.partnership.slug,
                    request.method, request.get_full_path()[:300], "" if rate.allowed else ": refused, rate limited")
        if not rate.allowed:
            raise RateLimited(rate.retry_after)
        return found


def token_for(request: HttpRequest, resource: str) -> ApiToken:
    """The request's token, when its scopes include `resource`; otherwise 403."""
    token: ApiToken = request.auth
    if not token.allows(resource):
        raise HttpError(403, f"This token may not read {resource}. A partnership admin can make one that may.")
    return token

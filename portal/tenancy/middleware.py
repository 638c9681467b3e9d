from __future__ import annotations

import re

from django.contrib.auth.views import redirect_to_login
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from portal.accounts.mfa import mfa_gate
from portal.accounts.middleware import mfa_redirect
from portal.sso.policy import provider_mfa_counts
from portal.tenancy.rls import partnership_scope
from portal.tenancy.selectors import global_membership_for

NOT_FOUND = "Page not found"
# Statements that only read: anything else, or one naming a write anywhere (a SELECT carrying another statement,
# SELECT ... FOR UPDATE, a WITH whose parts insert, update or delete), counts as a write. A query that starts with
# its common table expressions (WITH, WITH RECURSIVE) is a read like any SELECT unless it names a write.
READ_ONLY = ("SELECT", "WITH", "SAVEPOINT", "RELEASE", "BEGIN", "COMMIT", "ROLLBACK")
WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE|COPY|TRUNCATE)\b", re.IGNORECASE)


def is_write(sql) -> bool:
    """Whether a statement may write (when unsure, it may)."""
    text = sql.lstrip(" \n\t(") if isinstance(sql, str) else ""
    return not text[:9].upper().startswith(READ_ONLY) or bool(WRITES.search(text))


def _watch_writes(request: HttpRequest):
    """An execute wrapper that notes on the request (`portal_wrote`) that the view wrote to the database, so what the
    middleware read before it (the layout's unread count) is read again rather than shown stale. A SELECT ... FOR
    UPDATE counts too: reading again costs one query, never a wrong figure."""

    def watch(execute, sql, params, many, context):
        if not request.portal_wrote and is_write(sql):
            request.portal_wrote = True
        return execute(sql, params, many, context)

    return watch


class PartnershipMiddleware:
    """Resolves `/p/<slug>/...` to the user's membership and runs the view and its template in scope.

    Anonymous visitors are sent to sign in (before any lookup, so the redirect says nothing about
    which partnerships exist). A signed-in non-member, an inactive membership and an unknown slug
    all get the same 404. Staff roles must have used two-factor authentication in this session (or
    signed in with a provider the partnership records as enforcing it).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.partnership = None
        request.membership = None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        slug = match.kwargs.get("partnership_slug")
        if slug is None:
            return self.get_response(request)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = global_membership_for(user=request.user, slug=slug)
        if membership is None:
            raise Http404(NOT_FOUND)
        # A single sign-on whose provider this partnership records as enforcing a second factor counts as one.
        required = membership.requires_mfa and not provider_mfa_counts(request, membership.partnership)
        gate = mfa_gate(request, required=required)
        if gate:
            return mfa_redirect(request, gate)
        request.partnership = membership.partnership
        request.membership = membership
        request.portal_wrote = False
        # The view runs strictly in the partnership: in the database too (portal/tenancy/rls.py).
        with partnership_scope(membership.partnership), connection.execute_wrapper(_watch_writes(request)):
            response = self.get_response(request)
            # Lazy template responses must render while the scope is still active.
            if hasattr(response, "render") and callable(response.render) and not response.is_rendered:
                response.render()
        return response

"""The portal's error pages (400, 403, 404, 500), used whether DEBUG is on or off.

Django shows its technical 404, 400 and 500 pages while DEBUG is on, which is how `make run` serves; the
middleware below puts the portal's own page in their place, so people see the same page in both modes.
`DEBUG_TECHNICAL_ERRORS=true` keeps Django's technical pages for a developer who wants them.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string


def _mark(response: HttpResponse) -> HttpResponse:
    response.portal_error_page = True
    return response


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return _mark(render(request, "errors/400.html", status=400))


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _mark(render(request, "errors/404.html", status=404))


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return _mark(render(request, "errors/403.html", status=403))


def server_error(request: HttpRequest, exception=None) -> HttpResponse:
    # No request context: the failure may be in what a context processor needs.
    return _mark(HttpResponse(render_to_string("errors/500.html"), status=500))


PAGES = {400: bad_request, 403: permission_denied, 404: page_not_found, 500: server_error}


class FriendlyErrorPagesMiddleware:
    """While DEBUG is on, swaps Django's technical error pages for the portal's own. It is the first middleware,
    so it sees every response, and it swaps only what Django made: an error page when no view ran (an unknown
    address, an outsider refused by the partnership middleware, a bad Host header) or when a view raised. A
    page a view chose to answer with an error status (an invalid invitation, a refused import) stays as it is.

    The new page carries the original's "already logged" mark, so the failure is still logged once.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        page = PAGES.get(response.status_code)
        made_by_django = request.resolver_match is None or getattr(request, "_portal_view_raised", False)
        if (page is None or not made_by_django or not settings.DEBUG or settings.DEBUG_TECHNICAL_ERRORS
                or getattr(response, "portal_error_page", False)
                or not response.get("Content-Type", "").startswith("text/html")):
            return response
        friendly = page(request)
        friendly._has_been_logged = getattr(response, "_has_been_logged", False)
        return friendly

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        request._portal_view_raised = True  # Django turns it into the response; __call__ then sees which

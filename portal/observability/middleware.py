"""First in the chain: gives the request its id (the caller's X-Request-ID when acceptable, otherwise a new one),
returns it in the response, counts and times the request, and answers /metrics before host checks or redirects."""

from __future__ import annotations

import logging
import time

import sentry_sdk
from django.conf import settings
from django.utils.log import log_response

from portal.observability import metrics
from portal.observability.context import HEADER, accept_or_new, reset_request_id, set_request_id

METRICS_PATH = "/metrics"
access_log = logging.getLogger("portal.access")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = accept_or_new(request.headers.get(HEADER))
        request.request_id = request_id
        token = set_request_id(request_id)
        sentry_sdk.set_tag("request_id", request_id)  # does nothing unless SENTRY_DSN started the SDK
        started = time.perf_counter()
        try:
            if request.path_info == METRICS_PATH:
                response = metrics.metrics_response(request)
                view = "metrics"
            else:
                response = self.get_response(request)
                match = getattr(request, "resolver_match", None)
                view = match.view_name if match else "unmatched"
            seconds = time.perf_counter() - started
            metrics.observe_request(method=request.method, view=view, status=response.status_code, seconds=seconds)
            if settings.ACCESS_LOG:
                access_log.info("%s %s %s", request.method, request.path, response.status_code, extra={
                    "method": request.method, "path": request.path, "status": response.status_code, "view": view,
                    "duration_ms": round(seconds * 1000, 1)})
            response[HEADER] = request_id
            if response.status_code >= 400:
                # Django logs an error response after the whole middleware chain, when the id is gone; logging it
                # here, the same way, marks it logged so that line carries the id and is written once.
                log_response("%s: %s", response.reason_phrase, request.path, response=response, request=request)
            return response
        finally:
            reset_request_id(token)

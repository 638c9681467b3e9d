"""Logging filters named in settings.LOGGING (kept apart from the views so settings can load them first)."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404


class ExpectedRefusalFilter(logging.Filter):
    """A refusal the portal means (403 for a role without the capability, 404 for an outsider) is one line saying
    who was refused where, without a traceback: it is not a fault. Every other record passes unchanged."""

    def filter(self, record: logging.LogRecord) -> bool:
        exception = record.exc_info[1] if record.exc_info else None
        if isinstance(exception, PermissionDenied | Http404):
            record.exc_info = None
            record.exc_text = None
        return True

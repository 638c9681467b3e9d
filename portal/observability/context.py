"""The request id of the work in hand: set by the web middleware for a request and by a Celery signal for a task
enqueued inside one, read by the log filter. A context variable, so threads and tasks never see each other's."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("portal_request_id", default=None)
_task: ContextVar[tuple[str, str] | None] = ContextVar("portal_task", default=None)

# What a client or proxy may send as X-Request-ID: short, printable, nothing a log reader could be fooled by.
ACCEPTABLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")
HEADER = "X-Request-ID"
CELERY_HEADER = "portal_request_id"


def new_request_id() -> str:
    return uuid.uuid4().hex


def accept_or_new(candidate: str | None) -> str:
    """The caller's id when it is acceptable, otherwise a new one."""
    if candidate and ACCEPTABLE.fullmatch(candidate):
        return candidate
    return new_request_id()


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None):
    return _request_id.set(value)


def reset_request_id(token) -> None:
    _request_id.reset(token)


def current_task() -> tuple[str, str] | None:
    """(task name, task id) while a Celery task runs in this context."""
    return _task.get()


def set_task(value: tuple[str, str] | None):
    return _task.set(value)


def reset_task(token) -> None:
    _task.reset(token)

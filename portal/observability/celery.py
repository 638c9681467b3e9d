"""The request id across the broker: a task published while a request (or another task) is handled carries the id
in its message headers, and the worker sets it for the task's log lines. The worker logs through Django's LOGGING
(JSON in production) instead of Celery's own handlers."""

from __future__ import annotations

import logging.config

from celery import signals
from django.conf import settings

from portal.observability.context import (
    CELERY_HEADER,
    current_request_id,
    reset_request_id,
    reset_task,
    set_request_id,
    set_task,
)

_tokens: dict[str, tuple[object, object]] = {}


@signals.before_task_publish.connect
def _stamp_request_id(headers=None, **kwargs) -> None:
    request_id = current_request_id()
    if request_id and headers is not None and CELERY_HEADER not in headers:
        headers[CELERY_HEADER] = request_id


@signals.task_prerun.connect
def _enter_task(task_id=None, task=None, **kwargs) -> None:
    # From the message's headers in a worker; a task run inline (eager) keeps the id of the request running it.
    request_id = getattr(task.request, CELERY_HEADER, None) if task is not None else None
    if request_id is None and task is not None and isinstance(task.request.headers, dict):
        request_id = task.request.headers.get(CELERY_HEADER)
    request_id = request_id or current_request_id()
    _tokens[task_id] = (set_request_id(request_id), set_task((task.name if task else "", task_id or "")))


@signals.task_postrun.connect
def _leave_task(task_id=None, **kwargs) -> None:
    tokens = _tokens.pop(task_id, None)
    if tokens is not None:
        request_token, task_token = tokens
        try:
            reset_task(task_token)
            reset_request_id(request_token)
        except ValueError:  # reset from another context (a thread pool): just clear the values
            set_task(None)
            set_request_id(None)


@signals.setup_logging.connect
def _use_django_logging(**kwargs) -> None:
    """Connected, so Celery leaves the root logger alone and the worker's lines share the web's format."""
    logging.config.dictConfig(settings.LOGGING)

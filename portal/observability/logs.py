"""Log records as one JSON object a line (for a log shipper), and the filter that stamps the request id on each."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from portal.observability.context import current_request_id, current_task

# Attributes every LogRecord has; anything else on a record came from `extra=` and is written out too.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id",
                                                                             "task_name", "task_id"}


class RequestIdFilter(logging.Filter):
    """Adds request_id (or "-"), and task_name and task_id inside a Celery task, to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        task = current_task()
        record.task_name, record.task_id = task if task else ("", "")
        return True


class JsonFormatter(logging.Formatter):
    """One line of JSON: time (UTC, ISO 8601), level, logger, message, request_id, task, any extras, and the
    traceback as one string. A value JSON cannot hold is written as its repr, so a log call never fails."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or "-",
        }
        if getattr(record, "task_id", ""):
            entry["task"] = {"name": record.task_name, "id": record.task_id}
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=repr, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    """The developer's format: one readable line with the request id."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id() or "-"
        return super().format(record)

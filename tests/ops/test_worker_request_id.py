"""A real worker logs the request id of the request that queued its task (JSON lines, the production format)."""

from __future__ import annotations

import json

import pytest

from portal.observability import context
from portal.tenancy.roles import Role
from tests.factories import make_member
from tests.integration.test_worker import _invite, own_redis, smtp_sink, start_worker  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_the_workers_log_lines_for_a_task_carry_the_request_id(partnership, smtp_sink, start_worker,  # noqa: F811
                                                               monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "json")
    admin = make_member(partnership, Role.ADMIN)
    worker = start_worker()
    token = context.set_request_id("req-from-the-web-1234")
    try:
        _invite(admin)  # queues the invitation email on commit, inside the "request"
    finally:
        context.reset_request_id(token)
    sink, _ = smtp_sink
    assert len(sink.wait_for(1)) == 1
    worker.terminate()
    output, _ = worker.communicate(timeout=30)
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert lines, output[-2000:]  # the worker logged JSON, through the portal's LOGGING
    succeeded = [line for line in lines if "succeeded" in line["message"]]
    assert succeeded and all(line["request_id"] == "req-from-the-web-1234" for line in succeeded), succeeded
    assert succeeded[0]["task"]["name"] == "notifications.deliver_many"  # one message per request's rows
    # Lines outside any task (start-up, shutdown) have no request id.
    assert any(line["request_id"] == "-" for line in lines)

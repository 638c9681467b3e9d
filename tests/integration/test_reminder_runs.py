"""The daily reminder run on real parts: Celery beat and worker processes, a real Redis, the SMTP sink."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled

from alliances.models import LocalAuthority, School, Specialism, SystemLeader
from alliances.services import ensure_default_specialisms
from deployments.models import Deployment, Objective, Offer, Review, SupportRequest
from deployments.reviews.schedule import planned_reviews
from portal.calendar.services import school_calendar
from portal.notifications.models import Channel, Notification
from portal.tenancy.roles import Role
from tests.factories import make_member
from tests.integration.test_worker import ROOT, own_redis, smtp_sink  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
TODAY = date(2026, 11, 23)  # a Monday in term: the work runs around it, whatever day CI runs on


def _reviews_due(partnership, count: int) -> date:
    """`count` active deployments of one system leader around TODAY, each with its termly review where the
    schedule puts it (the daily run moves an unwritten review to its planned date). Returns that due date: the
    runs are pinned to it."""
    leader_member = make_member(partnership, Role.SYSTEM_LEADER)
    broker = make_member(partnership, Role.BROKER, mfa=False)
    la, _ = LocalAuthority.objects.get_or_create(code="873", defaults={"name": "Cambridgeshire"})
    school, _ = School.objects.get_or_create(urn="139087", defaults={"name": "Histon and Impington Junior School", "la": la})
    with scopes_disabled():
        ensure_default_specialisms(partnership=partnership)
        area = Specialism.objects.filter(partnership=partnership).first()
        leader = SystemLeader.objects.create(
            partnership=partnership, name="Amy Best", home_school=school, designation="SLE", user=leader_member.user,
            designated_on=date(2024, 9, 1), review_due=date(2028, 9, 1), capacity_days_per_term=Decimal(900))
        now = timezone.now()
        requests = SupportRequest.objects.bulk_create([
            SupportRequest(partnership=partnership, school=school, created_by=broker.user, status="matched")
            for _ in range(count)])
        offers = Offer.objects.bulk_create([
            Offer(partnership=partnership, request=r, leader=leader, status="accepted", offered_by=broker.user,
                  expires_at=now) for r in requests])
        deployments = Deployment.objects.bulk_create([
            Deployment(partnership=partnership, request=r, offer=o, school=school, leader=leader, status="active",
                       days=3, rate_kind="member", day_rate=350, funder="school", start_date=TODAY - timedelta(days=30),
                       end_date=TODAY + timedelta(days=20), proposed_by=broker.user)
            for r, o in zip(requests, offers, strict=True)])
        Objective.objects.bulk_create([Objective(partnership=partnership, deployment=d, area=area, description="x",
                                                 success_criteria="y") for d in deployments])
        [planned] = planned_reviews(deployments[0], school_calendar(partnership=partnership),
                                    partnership.review_due_school_days)
        Review.objects.bulk_create([Review(partnership=partnership, deployment=d, term_key=planned.term_key,
                                           due_on=planned.due_on) for d in deployments])
    return planned.due_on


def _env(redis_url: str, port: int, **extra) -> dict:
    db = connection.settings_dict
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        "DEBUG": "true",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": redis_url, "REDIS_URL": redis_url, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port),
        "SITE_URL": "http://portal.test", **extra,
    }


def _celery(*args, env) -> subprocess.Popen:
    return subprocess.Popen([str(Path(sys.executable).parent / "celery"), "-A", "portal", *args], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _worker(env) -> subprocess.Popen:
    return _celery("worker", "--pool=solo", "--concurrency=1", "-Q", "portal", "--without-gossip", "--without-mingle",
                   "--without-heartbeat", "-l", "WARNING", env=env)


def _stop(*processes) -> None:
    for process in processes:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


def _rows() -> int:
    with scopes_disabled():
        return Notification.objects.filter(event_type="review.reminder", channel=Channel.EMAIL).count()


def _unique(messages) -> bool:
    keys = [(m["To"], m["Subject"]) for m in messages]
    return len(keys) == len(set(keys))


def test_two_beat_processes_for_several_runs_send_each_reminder_once(partnership, own_redis, smtp_sink, tmp_path):  # noqa: F811
    sink, port = smtp_sink
    due = _reviews_due(partnership, 5)
    env = _env(own_redis.url, port, PORTAL_REMINDERS_EVERY="1", PORTAL_REMINDERS_TODAY=due.isoformat())
    worker = _worker(env)
    beats = [_celery("beat", "-s", str(tmp_path / f"schedule-{n}"), "--pidfile", str(tmp_path / f"beat-{n}.pid"),
                     "-l", "WARNING", env=env) for n in range(2)]
    try:
        messages = sink.wait_for(5, timeout=60)
        time.sleep(4)  # each beat sends the run every second: several more runs from both
    finally:
        _stop(*beats, worker)
    assert len(sink.messages) == 5 and _unique(sink.messages), [m["Subject"] for m in sink.messages]
    assert all("is due today" in m["Subject"] for m in messages)
    assert _rows() == 5


def test_a_worker_killed_mid_run_loses_no_reminder(partnership, own_redis, smtp_sink):  # noqa: F811
    from deployments.tasks import reminders_task

    sink, port = smtp_sink
    total = 120
    due = _reviews_due(partnership, total)
    # A row the killed worker had claimed waits for its lease to end: a short one here.
    env = _env(own_redis.url, port, NOTIFICATION_LEASE_SECONDS="6")
    worker = _worker(env)
    try:
        reminders_task.apply_async(kwargs={"today": due.isoformat(), "batch": 4})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not 0 < _rows() < total:
            time.sleep(0.02)
        written = _rows()
        worker.send_signal(signal.SIGKILL)  # mid-run: some batches written, the rest not
        worker.wait(10)
        assert 0 < written < total, written
        worker = _worker(env)  # the next day's run, or a restarted worker, picks up where it stopped
        reminders_task.apply_async(kwargs={"today": due.isoformat(), "batch": 4})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _rows() < total:
            time.sleep(0.1)
        # A row committed just before the kill may have missed its queue message, and one being sent when it
        # died stays claimed until its lease ends: the beat sweeper re-queues both; run it now (after the
        # lease) rather than wait for its grace period.
        from portal.notifications.services import global_sweep_unsent

        time.sleep(7)
        global_sweep_unsent(older_than=timedelta(0))
        sink.wait_for(total, timeout=90)
    finally:
        _stop(worker)
    assert _rows() == total
    assert len(sink.messages) == total and _unique(sink.messages)

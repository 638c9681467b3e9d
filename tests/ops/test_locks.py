"""The dependency locks: every package pinned with hashes, the test lock a superset of the runtime lock at the same
versions, every dependency pyproject.toml names locked, no index host written into them, and install from them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
RUNTIME, TEST = ROOT / "requirements" / "runtime.txt", ROOT / "requirements" / "test.txt"


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text)
    pins = {}
    for block in blocks:
        match = re.match(r"([A-Za-z0-9_.-]+)==(\S+)", block)
        if match:
            assert "--hash=sha256:" in block, f"{match.group(1)} has no hash in {path.name}"
            pins[_normal(match.group(1))] = match.group(2)
    return pins


def _named(requirements: list[str]) -> set[str]:
    return {_normal(re.match(r"[A-Za-z0-9_.-]+", requirement).group(0)) for requirement in requirements}


def test_every_locked_package_has_a_hash_and_the_locks_agree():
    runtime, test = _pins(RUNTIME), _pins(TEST)
    assert runtime and set(runtime) <= set(test)
    assert {name: (version, test[name]) for name, version in runtime.items() if test[name] != version} == {}


def test_every_dependency_pyproject_names_is_locked():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert _named(project["dependencies"]) <= set(_pins(RUNTIME)), "run make lock"
    assert _named(project["optional-dependencies"]["test"]) <= set(_pins(TEST)), "run make lock"


def test_the_locked_versions_include_the_security_releases():
    runtime = {name: Version(version) for name, version in _pins(RUNTIME).items()}
    assert Version("5.2.19") <= runtime["django"] < Version("5.3")  # the 5.2 LTS: Django 6 needs Python 3.12
    assert runtime["gunicorn"] >= Version("27.0.1") and runtime["django-allauth"] >= Version("65.22.1")


def test_the_locks_name_no_package_index():
    for path in (RUNTIME, TEST):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"--(extra-)?index-url|--find-links|--trusted-host|https?://", text), path.name


def test_make_the_image_and_ci_install_from_the_lock():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "$(VENV)/.installed: pyproject.toml requirements/runtime.txt requirements/test.txt" in makefile
    assert "pip install --quiet --require-hashes -r requirements/test.txt" in makefile
    assert "pip install --quiet --no-deps -e ." in makefile
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "pip install --no-cache-dir --require-hashes -r requirements/runtime.txt" in dockerfile
    assert "pip install --no-cache-dir --no-deps -e ." in dockerfile
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")

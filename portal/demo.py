"""Demo data that higher apps add to `manage.py seed_demo` (which lives in deployments, so it cannot import them).

An app registers a builder from its AppConfig.ready(); seed_demo calls each, in its transaction, after its own data,
with keyword arguments (`partnerships` by slug, `broker` the Cambridgeshire broker's membership, `system_leader_user`).
Builders accept and ignore what they do not use, and must be safe to run twice."""

from __future__ import annotations

from collections.abc import Callable

DemoBuilder = Callable[..., None]
_builders: list[DemoBuilder] = []


def register_demo(builder: DemoBuilder) -> None:
    if builder not in _builders:
        _builders.append(builder)


def build_registered_demos(**context) -> None:
    for builder in _builders:
        builder(**context)

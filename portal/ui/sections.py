"""Sections a feature app adds to another app's page, so the lower app never imports the higher one.

Pages with sections: "home" (each role's home page; providers take the membership and `since`, when the
member last opened it before this session, or None; accept and ignore what they do not use) and "leader" (a
system leader's page in the directory; providers take the membership and the leader). An app registers
its providers in `AppConfig.ready()`; the page merges what each returns into its template context.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

Provider = Callable[..., dict]
_providers: dict[str, list[Provider]] = defaultdict(list)


def register_section(page: str, provider: Provider) -> None:
    if provider not in _providers[page]:
        _providers[page].append(provider)


def sections_for(page: str, **context) -> dict:
    merged: dict = {}
    for provider in _providers[page]:
        merged.update(provider(**context))
    return merged

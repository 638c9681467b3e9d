"""Pseudonyms for erased people, and replacing a person's name and address inside text and JSON values."""

from __future__ import annotations

import re
import secrets

from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast

ERASED_DOMAIN = "erased.invalid"  # a reserved top-level domain: mail to it can never be delivered
SHORTEST_NAME = 3  # shorter "names" (initials) would replace letters inside other words


def is_erased(user) -> bool:
    return user.email.endswith("@" + ERASED_DOMAIN)


def new_pseudonym(taken) -> tuple[str, str]:
    """("Erased person 7F3A", "erased-7f3a@erased.invalid"), not yet used by any account (`taken(name, address)`
    says whether one is). Four hex digits are enough to tell people apart; longer codes are used if they clash."""
    for attempt in range(20):
        code = secrets.token_hex(2 if attempt < 10 else 4).upper()
        name, address = f"Erased person {code}", f"erased-{code.lower()}@{ERASED_DOMAIN}"
        if not taken(name, address):
            return name, address
    raise RuntimeError("Could not find an unused pseudonym.")


class Replacer:
    """Replaces a person's address (anywhere) and names (as whole words), ignoring case, in text and JSON."""

    def __init__(self, *, email: str, names: list[str], pseudonym: str, address: str):
        self.identifiers = [email] + sorted({n.strip() for n in names if len(n.strip()) >= SHORTEST_NAME},
                                            key=len, reverse=True)
        # The address first, so a name inside it ("sam.jones@...") goes with the whole address.
        self._patterns = [(re.compile(re.escape(email), re.IGNORECASE), address)] + [
            (re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE), pseudonym)
            for name in self.identifiers[1:]
        ]

    def text(self, value: str) -> str:
        for pattern, replacement in self._patterns:
            value = pattern.sub(replacement, value)
        return value

    def value(self, value):
        """A text, or a JSON value with texts inside (keys and strings alike)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {self.text(key): self.value(item) for key, item in value.items()}
        return value

    def mentions(self, queryset: models.QuerySet, fields: tuple[str, ...], *, also: Q | None = None) -> models.QuerySet:
        """The rows whose `fields` may mention the person (a case-insensitive search; `text` decides), and those
        `also` selects."""
        model = queryset.model
        condition = also if also is not None else Q(pk__in=[])
        for field in fields:
            lookup = field
            if isinstance(model._meta.get_field(field), models.JSONField):
                lookup = f"_privacy_text_{field}"
                queryset = queryset.annotate(**{lookup: Cast(field, models.TextField())})
            for identifier in self.identifiers:
                condition |= Q(**{f"{lookup}__icontains": identifier})
        return queryset.filter(condition)

"""Where personal data lives, declared by the app that owns each model (the plug-in pattern of portal.ui.sections).

An app calls `register_personal_data(...)` and `register_retention(...)` in its `AppConfig.ready()`, naming its
models by label ("deployments.Visit"), so the foundation never imports a feature app. Subject-access exports,
erasure and the retention task read these declarations.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import models


@dataclass(frozen=True)
class PersonalData:
    """One model's personal data.

    A row is *the person's* when one of `people` (paths to a user: "user", "deployment__leader__user") is them or
    one of `emails` holds their address. The export lists the person's rows under `title` (no title: erasure
    only). Erasure gives the person's rows the pseudonym in `names`, an erased address in `emails` and empties
    `contacts`; in every row, theirs or not, it replaces their name and address wherever `free_text` (text or
    JSON) mentions them. `subject` rows are about the person themself: audit events about them are exported.
    `global_rows` models have no partnership: only platform operators export them.
    """

    model: str
    title: str = ""
    people: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    contacts: tuple[str, ...] = ()
    free_text: tuple[str, ...] = ()
    subject: bool = False
    global_rows: bool = False

    @property
    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)


@dataclass(frozen=True)
class RetentionRule:
    """Rows of `model` older than the period `settings.RETENTION_DAYS[period]` (by `date_field`) are deleted."""

    model: str
    date_field: str
    period: str
    label: str

    @property
    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)


_personal_data: list[PersonalData] = []
_retention: list[RetentionRule] = []


def register_personal_data(*declarations: PersonalData) -> None:
    for declaration in declarations:
        if declaration not in _personal_data:
            _personal_data.append(declaration)


def register_retention(*rules: RetentionRule) -> None:
    for rule in rules:
        if rule not in _retention:
            _retention.append(rule)


def personal_data() -> list[PersonalData]:
    return list(_personal_data)


def retention_rules() -> list[RetentionRule]:
    return list(_retention)


# The foundation's own tables. Audit events and user accounts have paths of their own (export and erasure).
register_personal_data(
    PersonalData("portal.Membership", "memberships", people=("user",), subject=True),
    PersonalData("portal.Invitation", "invitations", people=("invited_by", "accepted_by"), emails=("email",),
                 subject=True),
    PersonalData("portal.Notification", "notifications", people=("recipient",), emails=("email",),
                 free_text=("title", "context")),
    PersonalData("portal.NotificationPreference", "notification_preferences", people=("user",), global_rows=True),
    PersonalData("portal.Partnership", free_text=("contact_email",)),  # a partnership's contact may be a person
    # The account's mobile number for text reminders (its other fields have their own path): emptied on erasure.
    PersonalData("portal.User", emails=("email",), contacts=("mobile_number",), global_rows=True),
    # Django admin's change log: operators' own actions, and the names of accounts they edited.
    PersonalData("admin.LogEntry", "platform_admin_log", people=("user",), free_text=("object_repr", "change_message"),
                 global_rows=True),
)
register_retention(RetentionRule("portal.Notification", "created_at", "notifications",
                                 "notifications (email outbox and in-app)"))

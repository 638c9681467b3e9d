"""Convention tests for the personal data declarations: each names real fields of the right kind, and every
text a person can type about someone is declared, so a new field cannot escape export and erasure unnoticed."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models

from portal.accounts.models import User
from portal.privacy.registry import personal_data, retention_rules

DECLARATIONS = personal_data()
ROOT = Path(__file__).resolve().parent.parent.parent

# Texts that hold no personal data, or hold it under another rule: reviewed, with the reason.
NOT_PERSONAL = {
    "portal.Partnership": {"name", "slug", "alliance_label", "designation_labels"},  # the organisation's own
    "portal.SignInProvider": {"email_domains"},  # organisations' email domains, no one's address
    "portal.AuditEvent": {"actor_label", "action", "object_id", "object_repr", "old", "new", "note"},  # own path
    "portal.User": {"password", "email", "name"},  # the account: its own path
    "portal.Notification": {"event_type", "subject", "dedupe_key", "link", "last_error", "channel", "delivery"},
    "portal.Invitation": {"token_hash", "role"},
    "api.ApiToken": {"scopes"},  # resource codes from a fixed list
    "api.WebhookEndpoint": {"events"},  # event codes from a fixed list
    "api.WebhookDelivery": {"payload", "last_error"},  # ids and event codes only; the receiver's HTTP error
    "alliances.ImportJob": {"filename", "stage", "summary", "report", "state"},  # school data, not people
    "alliances.Alliance": {"name"},  # groups of schools
    "alliances.Cluster": {"name"},
    "alliances.SchoolSearchRow": {"name_upper", "postcode_compact"},  # a copy of the school's public record (GIAS)
    "deployments.Review": {"outcomes"},  # keys of the outcome checklist
    # The partnership's catalogue wording, and text the portal writes from it (price reasons, charge descriptions).
    "programmes.Catalogue": {"title", "introduction"},
    "programmes.Service": {"name", "description", "terms", "phases", "school_type_groups"},
    "programmes.OrderLine": {"price_reason"},
    "programmes.ChargeLine": {"description"},
    # A programme's own description, its cohorts' names and its sessions' titles and places: the partnership's.
    "programmes.Programme": {"title", "summary", "aims", "outcomes", "audiences", "phases", "delivery_partner"},
    "programmes.Cohort": {"name"},
    "programmes.CohortWaitingCount": {"name"},  # a copy of the cohort's name, kept by triggers
    "programmes.Session": {"title", "venue", "online_link"},
    # The partnership's competency framework and the names of its QA groups (leadership.quality).
    "leadership.Competency": {"title", "description"},
    "leadership.RatingLevel": {"meaning"},
    "leadership.QAGroup": {"name"},
    # The partnership's own recruitment wording: a round's title, description and criteria, its induction steps.
    "leadership.RecruitmentRound": {"title", "description"},
    "leadership.Criterion": {"title", "guidance"},
    "leadership.InductionItem": {"title", "description"},
}


def _project_apps():
    """The project's own apps (a new app is checked as soon as it is installed), not Django's or third parties'."""
    return [app for app in apps.get_app_configs()
            if Path(app.path).is_relative_to(ROOT) and "site-packages" not in Path(app.path).parts]


def _target(model, path: str):
    for part in path.split("__"):
        field = model._meta.get_field(part)
        model = field.related_model
    return model


@pytest.mark.parametrize("declaration", DECLARATIONS, ids=[d.model + (":" + d.title if d.title else "")
                                                           for d in DECLARATIONS])
def test_each_declaration_names_real_fields_of_the_right_kind(declaration):
    model = declaration.model_class
    for path in declaration.people:
        assert _target(model, path) is User, f"{declaration.model}.{path} does not lead to a user"
    for name in declaration.emails:
        assert isinstance(model._meta.get_field(name), models.EmailField)
    for name in declaration.names + declaration.contacts + declaration.free_text:
        assert isinstance(model._meta.get_field(name), models.CharField | models.TextField | models.JSONField)
    tenant = any(f.name == "partnership" for f in model._meta.concrete_fields)
    assert declaration.global_rows == (not tenant) or not declaration.title, \
        f"{declaration.model}: global_rows must say whether the rows have a partnership"


def test_every_free_text_field_of_the_portal_is_declared_or_reviewed():
    declared: dict[str, set[str]] = {}
    for d in DECLARATIONS:
        declared.setdefault(d.model, set()).update(d.emails + d.names + d.contacts + d.free_text)
    missing = []
    for app in _project_apps():
        for model in app.get_models():
            label = model._meta.label
            for field in model._meta.concrete_fields:
                if not isinstance(field, models.TextField | models.JSONField | models.EmailField) and not (
                        isinstance(field, models.CharField) and field.max_length >= 150 and not field.choices):
                    continue
                if field.name in declared.get(label, set()) | NOT_PERSONAL.get(label, set()):
                    continue
                missing.append(f"{label}.{field.name}")
    # Reference data (schools from the public files) and calendars name no people.
    missing = [m for m in missing if not m.startswith(("alliances.School.", "alliances.LocalAuthority.",
                                                       "alliances.SchoolLink.", "alliances.OfstedJudgement.",
                                                       "portal.CalendarPeriod.", "portal.CalendarYear."))]
    assert not missing, "Declare these in the owning app's ready() (portal.privacy.registry) or review them " \
                        "into NOT_PERSONAL with the reason: " + ", ".join(sorted(missing))


def test_every_retention_rule_has_a_period_and_a_date():
    rules = retention_rules()
    assert {r.model for r in rules} >= {"portal.Notification", "alliances.ImportJob"}
    for rule in rules:
        assert rule.period in settings.RETENTION_DAYS
        assert isinstance(rule.model_class._meta.get_field(rule.date_field), models.DateTimeField)


def test_every_link_to_a_user_is_declared_so_the_export_finds_the_row():
    declared = {(d.model, path.split("__")[0]) for d in DECLARATIONS for path in d.people if "__" not in path}
    reviewed = {("portal.AuditEvent", "actor")}  # audit events have their own export
    missing = [
        f"{model._meta.label}.{field.name}"
        for app in _project_apps() for model in app.get_models() for field in model._meta.concrete_fields
        if field.is_relation and field.related_model is User
        and (model._meta.label, field.name) not in declared | reviewed
    ]
    assert not missing, "Declare these user links in the owning app's ready() (PersonalData.people): " + \
                        ", ".join(sorted(missing))

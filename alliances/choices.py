"""The choices of the directory's school columns (phase, status, Ofsted category), as GIAS and Ofsted word them."""

from django.db import models


class Phase(models.TextChoices):
    NURSERY = "nursery", "Nursery"
    PRIMARY = "primary", "Primary"
    MIDDLE_PRIMARY = "middle_primary", "Middle deemed primary"
    SECONDARY = "secondary", "Secondary"
    MIDDLE_SECONDARY = "middle_secondary", "Middle deemed secondary"
    SIXTEEN_PLUS = "16_plus", "16 plus"
    ALL_THROUGH = "all_through", "All-through"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class Status(models.TextChoices):
    OPEN = "open", "Open"
    OPEN_CLOSING = "open_closing", "Open, but proposed to close"
    PROPOSED = "proposed", "Proposed to open"
    CLOSED = "closed", "Closed"


class OfstedCategory(models.TextChoices):
    NONE = "", "None"
    SERIOUS_WEAKNESSES = "serious_weaknesses", "Serious weaknesses"
    SPECIAL_MEASURES = "special_measures", "Special measures"

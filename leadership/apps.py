from django.apps import AppConfig


class LeadershipConfig(AppConfig):
    """The life of a system leader: recruitment rounds, applications, panels and designation
    (leadership.recruitment), and quality assurance, designation reviews and the talent pool (leadership.quality)."""

    name = "leadership"
    verbose_name = "System leadership"
    default_auto_field = "django.db.models.BigAutoField"

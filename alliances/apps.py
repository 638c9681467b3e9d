from django.apps import AppConfig


class AlliancesConfig(AppConfig):
    name = "alliances"
    verbose_name = "Schools and alliances"
    default_auto_field = "django.db.models.BigAutoField"

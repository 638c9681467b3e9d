from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    """Each partnership's catalogue of services, schools' orders, entitlements and their drawdown, and finance."""

    name = "programmes"
    verbose_name = "Catalogue, orders and finance"
    default_auto_field = "django.db.models.BigAutoField"

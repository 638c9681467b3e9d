from django.apps import AppConfig


class DeploymentsConfig(AppConfig):
    name = "deployments"
    verbose_name = "Brokerage and deployments"
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    """Each partnership's catalogue of services, schools' orders, entitlements and their drawdown, and finance."""

    name = "programmes"
    verbose_name = "Catalogue, orders and finance"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portal.workflow import register_workflow

        register_workflow(nouns={"catalogue": "catalogue", "service": "service", "order": "order",
                                 "orderline": "order line", "entitlement": "entitlement"}, settled_by_leaving={})

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

        # Orders and finance (13b) ------------------------------------------------------------------------
        from portal.ui.navigation import NavItem, register_navigation
        from portal.ui.sections import register_section
        from programmes.orders.home import home_section

        register_workflow(nouns={}, settled_by_leaving={("order", "submitted"): ("order.submitted",)})
        register_navigation(NavItem("Orders", "programmes:orders", "orders.view", 45),
                            NavItem("Finance", "programmes:finance", "finance.view", 95))
        register_section("home", home_section)

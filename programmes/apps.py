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
        self._catalogue()

    @staticmethod
    def _catalogue() -> None:
        """The catalogue of services: its navigation item, and core entitlements for a school that joins later."""
        from alliances.services import register_member_joined
        from portal.ui.navigation import NavItem, register_navigation
        from programmes.catalogue.services import grant_core_on_joining

        register_navigation(NavItem("Catalogue", "programmes:catalogues", "catalogue.view", 45))
        register_member_joined(grant_core_on_joining)

from django.apps import AppConfig


class DeploymentsConfig(AppConfig):
    name = "deployments"
    verbose_name = "Brokerage and deployments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from deployments import workflow  # noqa: F401  (registers the brokerage's nouns with portal.workflow)
        from deployments.home import home_sections, leader_sections
        from portal.ui.navigation import NavItem, register_navigation
        from portal.ui.sections import register_section

        register_section("home", home_sections)
        register_section("leader", leader_sections)
        register_navigation(
            NavItem("Requests", "deployments:requests", "requests.view", 20),
            NavItem("Offers", "deployments:offers", "offers.respond", 30),
            NavItem("Deployments", "deployments:deployments", "deployments.view", 40),
        )

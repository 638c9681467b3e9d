from django.apps import AppConfig


class ReportingConfig(AppConfig):
    """Dashboards and exports: reads from the other apps, with no models of its own."""

    name = "reporting"
    verbose_name = "Dashboards and exports"

    def ready(self) -> None:
        from portal.ui.navigation import NavItem, register_navigation
        from portal.ui.sections import register_section
        from reporting.home import la_officer_home

        register_section("home", la_officer_home)
        register_navigation(NavItem("Dashboards", "reporting:dashboard", "dashboards.view", 50))

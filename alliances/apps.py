from django.apps import AppConfig


class AlliancesConfig(AppConfig):
    name = "alliances"
    verbose_name = "Schools and alliances"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from alliances import imports, metrics, tasks
        from alliances.forms import MemberLinksForm
        from portal.observability.metrics import register_metrics_source
        from portal.tenancy.forms import register_member_links_form
        from portal.ui.navigation import NavItem, register_navigation

        register_member_links_form(MemberLinksForm)
        imports.set_import_queue(lambda job_id: tasks.run_import_job_task.delay(job_id))
        register_metrics_source("import_jobs", metrics.import_job_metrics)
        register_navigation(
            NavItem("Schools", "alliances:schools", "directory.view", 60),
            NavItem("System leaders", "alliances:leaders", "directory.view", 70),
            NavItem("Clusters", "alliances:clusters", "directory.view", 80),
            NavItem("My profile", "alliances:own_profile", "profile.edit_own", 90),
        )

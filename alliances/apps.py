from django.apps import AppConfig


class AlliancesConfig(AppConfig):
    name = "alliances"
    verbose_name = "Schools and alliances"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from alliances import imports, metrics, tasks
        from alliances.forms import MemberLinksForm
        from portal.observability.metrics import register_metrics_source
        from portal.privacy.registry import PersonalData, RetentionRule, register_personal_data, register_retention
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
        # Data protection (portal.privacy): where the directory holds personal data, and how long uploads stay.
        register_personal_data(
            PersonalData("alliances.SystemLeader", "system_leader_profiles", people=("user",), emails=("email",),
                         names=("name",), contacts=("phone",), free_text=("release_consent_by", "conflicts"),
                         subject=True),
            PersonalData("alliances.ImportJob", "import_uploads", people=("uploaded_by",), global_rows=True),
            PersonalData("alliances.PartnershipSchool", free_text=("notes",)),
            PersonalData("alliances.Cluster", free_text=("notes",)),
            PersonalData("alliances.Alliance", free_text=("description",)),
        )
        register_retention(RetentionRule("alliances.ImportJob", "created_at", "import_uploads",
                                         "import uploads (files and jobs)"))

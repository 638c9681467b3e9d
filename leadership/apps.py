from django.apps import AppConfig


class LeadershipConfig(AppConfig):
    """The life of a system leader: recruitment rounds, applications, panels and designation
    (leadership.recruitment), and quality assurance, designation reviews and the talent pool (leadership.quality)."""

    name = "leadership"
    verbose_name = "System leadership"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        self._quality()

    @staticmethod
    def _quality() -> None:
        """Quality assurance: nouns for transitions, navigation, the steering group's home section, the reminder
        task, and the personal data QA records hold (the framework's wording and group names are the
        partnership's own: tests/privacy/test_registry.py NOT_PERSONAL)."""
        import leadership.quality.tasks  # noqa: F401  (registers the beat task)
        from leadership.quality.demo import build_quality_demo
        from leadership.quality.home import home_section, leader_section
        from portal.demo import register_demo
        from portal.privacy.registry import PersonalData, register_personal_data
        from portal.ui.navigation import NavItem, register_navigation
        from portal.ui.sections import register_section
        from portal.workflow import register_workflow

        register_workflow(nouns={"qaaction": "QA action", "systemleader": "system leader"}, settled_by_leaving={})
        register_navigation(NavItem("Quality assurance", "leadership:qa_index", "quality.view", 60),
                            NavItem("Leadership report", "leadership:reports", "leadership.reports", 92))
        register_section("home", home_section)
        register_section("leader", leader_section)
        register_demo(build_quality_demo)
        register_personal_data(
            PersonalData("leadership.QAActivity", "QA activities", people=("recorded_by",),
                         free_text=("notes", "private_notes")),
            PersonalData("leadership.QAAction", "QA actions", people=("done_by",), free_text=("description",)),
            PersonalData("leadership.DesignationReview", "designation reviews", people=("decided_by",),
                         free_text=("reason",)),
        )

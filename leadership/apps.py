from django.apps import AppConfig


class LeadershipConfig(AppConfig):
    """The life of a system leader: recruitment rounds, applications, panels and designation
    (leadership.recruitment), and quality assurance, designation reviews and the talent pool (leadership.quality)."""

    name = "leadership"
    verbose_name = "System leadership"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        self._recruitment()
        self._quality()

    @staticmethod
    def _recruitment() -> None:
        """Recruitment and designation: workflow nouns, navigation, home and leader page sections, and personal data
        (who acted, and what candidates, heads and panel members wrote)."""
        from leadership.demo import build_recruitment
        from leadership.recruitment.home import home_section, leader_section
        from portal.demo import register_demo
        from portal.privacy.registry import PersonalData, register_personal_data
        from portal.ui.navigation import NavItem, register_navigation
        from portal.ui.sections import register_section
        from portal.workflow import register_workflow

        register_workflow(nouns={"recruitmentround": "recruitment round", "application": "application"},
                          settled_by_leaving={("application", "submitted"): ("application.submitted",),
                                              ("application", "proposed"): ("application.proposed",)})
        register_navigation(NavItem("Recruitment", "leadership:rounds", "recruitment.view", 72),
                            NavItem("Talent pool", "leadership:talent", "talent.view", 74))
        register_section("home", home_section)
        register_section("leader", leader_section)
        register_demo(build_recruitment)
        register_personal_data(
            PersonalData("leadership.RecruitmentRound", "recruitment rounds", people=("created_by",)),
            PersonalData("leadership.PanelMember", "recruitment panels", people=("user",)),
            PersonalData("leadership.Application", "applications to be a system leader",
                         people=("candidate", "endorsed_by", "proposed_by", "decided_by"), names=("name",),
                         free_text=("role_title", "endorsement", "rationale", "feedback"), subject=True),
            PersonalData("leadership.Evidence", "", people=("application__candidate",), free_text=("text",)),
            PersonalData("leadership.Score", "panel scores given", people=("scorer",), free_text=("comment",)),
            PersonalData("leadership.Nomination", "talent pool nominations", people=("nominated_by",),
                         emails=("email",), names=("name",), free_text=("role_title", "why")),
            PersonalData("leadership.RoundInvitation", "invitations to apply", people=("invited_by",),
                         emails=("email",), names=("name",)),
            PersonalData("leadership.InductionTick", "induction steps ticked", people=("ticked_by",)),
            PersonalData("leadership.ConsentWithdrawal", "release consent withdrawn", people=("withdrawn_by",),
                         free_text=("reason", "consent_was_by")),
        )

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

from django.apps import AppConfig


class DeploymentsConfig(AppConfig):
    name = "deployments"
    verbose_name = "Brokerage and deployments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from deployments import workflow  # noqa: F401  (registers the brokerage's nouns with portal.workflow)
        from deployments.calendar_feed import deployment_events
        from deployments.home import home_sections, leader_sections
        from deployments.programme_clashes import visit_clashes
        from portal.calendar.feeds import register_calendar_source
        from portal.privacy.registry import PersonalData, register_personal_data
        from portal.ui.navigation import NavItem, register_navigation
        from portal.ui.sections import register_section
        from programmes.courses.clashes import register_clash_source

        register_section("home", home_sections)
        register_calendar_source(deployment_events)
        register_clash_source(visit_clashes)
        register_section("leader", leader_sections)
        register_navigation(
            NavItem("Requests", "deployments:requests", "requests.view", 20),
            NavItem("Offers", "deployments:offers", "offers.respond", 30),
            NavItem("Deployments", "deployments:deployments", "deployments.view", 40),
        )
        # Data protection (portal.privacy): where brokerage holds personal data.
        register_personal_data(
            PersonalData("deployments.SupportRequest", "requests", people=("created_by", "assigned_broker"),
                         free_text=("context", "success", "withdraw_reason", "triage_note")),
            PersonalData("deployments.Offer", "offers", people=("leader__user", "offered_by"),
                         free_text=("override_reason", "response_note")),
            PersonalData("deployments.Deployment", "deployments",
                         people=("leader__user", "request__created_by", "proposed_by", "decided_by", "head_confirmed_by"),
                         free_text=("funder_note", "decision_note", "status_note", "closing_summary")),
            PersonalData("deployments.Objective", free_text=("description", "success_criteria")),
            PersonalData("deployments.Visit", "visits",
                         people=("deployment__leader__user", "logged_by", "responded_by", "resolved_by"),
                         free_text=("focus", "notes", "override_reason", "dispute_reason", "resolution_note")),
            PersonalData("deployments.Review", "reviews", people=("written_by", "agreed_by"),
                         free_text=("overall_progress", "next_steps", "head_comments", "sections", "own_school_benefit")),
            PersonalData("deployments.ReviewObjective", free_text=("evidence",)),
            PersonalData("deployments.Variation", "changes",
                         people=("proposed_by", "decided_by", "head_confirmed_by", "closed_by"),
                         free_text=("reason", "decision_note", "close_note", "old_objectives", "new_objectives")),
            PersonalData("deployments.Watch", "watchlist", people=("user",)),
        )

from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    """Each partnership's catalogue of services, schools' orders, entitlements and their drawdown, finance, and its professional development programmes (cohorts, places, registers, evaluations)."""

    name = "programmes"
    verbose_name = "Catalogue, orders, finance and programmes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portal.notifications.events import register_events
        from portal.workflow import register_workflow
        from programmes.events import EVENTS

        register_events(*EVENTS)

        register_workflow(nouns={"catalogue": "catalogue", "service": "service", "order": "order",
                                 "orderline": "order line", "entitlement": "entitlement",
                                 "programme": "programme", "cohort": "cohort", "session": "session",
                                 "place": "place"}, settled_by_leaving={})
        self._catalogue()
        self._orders()
        self._courses()
        self._places()
        self._delivery()
        self._personal_data()

    @staticmethod
    def _personal_data() -> None:
        """Data protection (portal.privacy): who acted on catalogues, orders and entitlements, and the free text
        people write on them. The catalogue's own wording and the generated price reasons and charge descriptions
        are the partnership's, not anyone's personal data (tests/privacy/test_registry.py NOT_PERSONAL)."""
        from portal.privacy.registry import PersonalData, register_personal_data

        register_personal_data(
            PersonalData("programmes.Catalogue", "catalogues", people=("created_by", "published_by")),
            PersonalData("programmes.Service", "catalogue services", people=("created_by",)),
            PersonalData("programmes.Order", "orders", people=("created_by", "submitted_by", "decided_by"),
                         free_text=("decision_note",)),
            PersonalData("programmes.OrderLine", "order lines", people=("cancelled_by",), free_text=("cancel_reason",)),
            PersonalData("programmes.Drawdown", "entitlement movements", people=("created_by",), free_text=("note",)),
            PersonalData("programmes.ChargeLine", "charges", people=("created_by",)),
            # Programmes and cohorts (issue 14). A place is about the named participant: their name, address and
            # role in school are erased with them, and its statement and notes are free text.
            PersonalData("programmes.Programme", "programmes", people=("created_by",)),
            PersonalData("programmes.Cohort", "programme cohorts", people=("created_by",)),
            PersonalData("programmes.Facilitator", "cohort facilitators", people=("leader__user",), emails=("email",),
                         names=("name",), contacts=("organisation",)),
            PersonalData("programmes.Session", "programme sessions", people=("register_taken_by",),
                         free_text=("non_school_day_reason",)),
            PersonalData("programmes.Place", "programme places",
                         people=("user", "nominated_by", "endorsed_by", "decided_by"), emails=("email",),
                         names=("name",), contacts=("job_role",),
                         free_text=("statement", "decision_note", "withdraw_reason"), subject=True),
            PersonalData("programmes.AttendanceMark", "register marks", people=("place__user", "recorded_by"),
                         free_text=("absence_reason",)),
            PersonalData("programmes.Evaluation", "programme evaluations", people=("place__user", "submitted_by"),
                         free_text=("practice_change",)),
            PersonalData("programmes.SchoolImpact", "programme impact on schools", people=("answered_by",),
                         free_text=("impact_on_school",)),
        )

    @staticmethod
    def _catalogue() -> None:
        """The catalogue of services: its navigation item, and core entitlements for a school that joins later."""
        from alliances.services import register_member_joined
        from portal.ui.navigation import NavItem, register_navigation
        from programmes.catalogue.services import grant_core_on_joining

        register_navigation(NavItem("Catalogue", "programmes:catalogues", "catalogue.view", 45))
        register_member_joined(grant_core_on_joining)

    @staticmethod
    def _courses() -> None:
        """Programmes and cohorts (issue 14): navigation and the calendar feed of sessions."""
        from portal.calendar.feeds import register_calendar_source
        from portal.demo import register_demo
        from portal.ui.navigation import NavItem, register_navigation
        from programmes.courses.calendar_feed import session_events
        from programmes.courses.demo import build_programmes

        register_navigation(NavItem("Programmes", "programmes:programmes", "programmes.view", 47))
        register_calendar_source(session_events)
        register_demo(build_programmes)

    @staticmethod
    def _places() -> None:
        """Places on cohorts: home sections, settling the asks when a place moves on, and linking a new participant's
        places to their account when they join."""
        from portal.audit.services import register_event_listener
        from portal.ui.sections import register_section
        from portal.workflow import register_workflow
        from programmes.courses.services import register_cohort_cancelled, register_places_added
        from programmes.places.home import home_section
        from programmes.places.transitions import fill_free_places, link_places_on_join, withdraw_for_cancelled_cohort

        register_workflow(nouns={}, settled_by_leaving={("place", "applied"): ("place.applied",),
                                                        ("place", "nominated"): ("place.nominated",),
                                                        ("place", "offered"): ("place.offered", "place.offer_lapsing")})
        register_section("home", home_section)
        register_event_listener(link_places_on_join)
        register_cohort_cancelled(withdraw_for_cancelled_cohort)
        register_places_added(fill_free_places)

    @staticmethod
    def _delivery() -> None:
        """Programme delivery (issue 14): registers, evaluations and impact on home pages; the reports' nav item."""
        from portal.demo import register_demo
        from portal.ui.navigation import NavItem, register_navigation
        from portal.ui.sections import register_section
        from programmes.delivery.demo import build_delivery_demo
        from programmes.delivery.home import home_section

        register_navigation(NavItem("Programme reports", "programmes:programme_reports", "programmes.reports", 48))
        register_section("home", home_section)
        register_demo(build_delivery_demo)  # after the builder that makes the demo's cohorts (issue 14, courses)

    @staticmethod
    def _orders() -> None:
        """Orders and finance: navigation, the steering group's waiting orders on their home page."""
        from portal.ui.navigation import NavItem, register_navigation
        from portal.ui.sections import register_section
        from portal.workflow import register_workflow
        from programmes.orders.home import home_section

        register_workflow(nouns={}, settled_by_leaving={("order", "submitted"): ("order.submitted",)})
        register_navigation(NavItem("Orders", "programmes:orders", "orders.view", 46),
                            NavItem("Finance", "programmes:finance", "finance.view", 95))
        register_section("home", home_section)

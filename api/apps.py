from django.apps import AppConfig


class ApiConfig(AppConfig):
    """Integrations with other systems: the read-only JSON API (django-ninja) with its tokens, and outgoing
    webhooks. The top app: it reads every app below it, reporting's dashboard figures included."""

    name = "api"
    verbose_name = "API and integrations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from api import webhooks
        from api.tasks import deliver_webhooks_task
        from portal.audit.services import register_event_listener
        from portal.privacy.registry import PersonalData, register_personal_data
        from portal.ui.navigation import NavItem, register_navigation

        register_navigation(NavItem("API tokens", "api_pages:tokens", "api.manage", 95))
        register_event_listener(webhooks.on_audit_event)
        webhooks.set_publisher(deliver_webhooks_task.delay)
        register_personal_data(
            PersonalData("api.ApiToken", people=("created_by", "revoked_by"), free_text=("name",)),
            PersonalData("api.WebhookEndpoint", people=("created_by",), free_text=("url",)),
        )

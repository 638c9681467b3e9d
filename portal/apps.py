from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    label = "portal"
    verbose_name = "Portal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portal import checks, signals  # noqa: F401  (registers system checks and receivers)
        from portal.notifications import services, tasks

        services.set_delivery_queue(tasks.deliver_many_task.delay, waiting=tasks.waiting_messages)

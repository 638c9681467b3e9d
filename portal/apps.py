from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    label = "portal"
    verbose_name = "Portal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from portal import checks, signals  # noqa: F401  (registers system checks and receivers)
        from portal.notifications import services, tasks
        from portal.tenancy import rls
        from portal.tenancy.models import PartnershipOwned

        # Row-level security on every PartnershipOwned table, after every migrate (portal/tenancy/rls.py).
        rls.guard_tables_of(PartnershipOwned)
        post_migrate.connect(rls.install, sender=self, dispatch_uid="portal.tenancy.rls.install")

        services.set_delivery_queue(tasks.deliver_many_task.delay, waiting=tasks.waiting_messages)

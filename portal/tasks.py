"""Base class for tasks that work on one partnership's rows."""

from __future__ import annotations

import logging

from celery import Task
from django_scopes import scope

from portal.tenancy.models import Partnership

logger = logging.getLogger(__name__)


class PartnershipTask(Task):
    """Takes the partnership id as the first argument and runs the body inside that partnership's scope.

    A partnership that is gone (or inactive) is logged and the task returns: there is nothing to retry.
    """

    abstract = True

    def __call__(self, partnership_id: int, *args, **kwargs):
        partnership = Partnership.objects.filter(pk=partnership_id, is_active=True).first()
        if partnership is None:
            logger.warning("Task %s skipped: partnership %s not found or inactive.", self.name, partnership_id)
            return None
        with scope(partnership=partnership):
            return super().__call__(partnership_id, *args, **kwargs)

"""The portal's URLs plus three views that fail on purpose, for the error page tests."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from portal.urls import handler400, handler403, handler404, handler500  # noqa: F401  (Django reads them here)
from portal.urls import urlpatterns as portal_urlpatterns


def boom(request):
    raise RuntimeError("a fault, on purpose")


def refuse(request):
    raise PermissionDenied("Not for you")


def suspicious(request):
    raise SuspiciousOperation("Odd request")


urlpatterns = [path("test-boom/", boom), path("test-refuse/", refuse), path("test-suspicious/", suspicious),
               *portal_urlpatterns]

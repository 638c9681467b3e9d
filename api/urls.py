"""/api/v1/...: the read-only API and its OpenAPI document (/api/v1/openapi.json)."""

from django.urls import path

from api.endpoints import api

urlpatterns = [path("", api.urls)]

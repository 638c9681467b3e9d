"""The API's pages inside a partnership: /p/<slug>/api-tokens/..."""

from django.urls import path

from api import views, webhook_views

app_name = "api_pages"

urlpatterns = [
    path("api-tokens/", views.token_list, name="tokens"),
    path("api-tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("webhooks/", webhook_views.webhook_list, name="webhooks"),
    path("webhooks/<int:pk>/turn-off/", webhook_views.webhook_disable, name="webhook_disable"),
]

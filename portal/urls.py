from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path

from alliances import views_platform
from portal import health, views
from portal.accounts.profile import text_reminders
from portal.calendar.feed_views import calendar_feed_ics
from portal.notifications import views as notification_views
from portal.observability.security_txt import security_txt

# Django admin signs in through allauth, so its login has the same rate limits and two-factor check.
admin.site.login = login_required(admin.site.login)
admin.site.site_header = f"{settings.SITE_NAME}: platform administration"
admin.site.site_title = settings.SITE_NAME

urlpatterns = [
    path("", views.home, name="home"),
    # Answered by portal.health.HealthCheckMiddleware before host checks; routed too so reverse() finds them.
    path("healthz", health.ready, name="health_ready"),
    path("healthz/live", health.live, name="health_live"),
    path("partnerships/", views.switch, name="switch"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path(".well-known/security.txt", security_txt, name="security_txt"),
    path("account/notifications/", notification_views.preferences, name="notification_preferences"),
    path("account/text-reminders/", text_reminders, name="text_reminders"),
    path("account/", include("allauth.urls")),
    path("platform/imports/", views_platform.import_list, name="imports"),
    path("platform/imports/<int:pk>/", views_platform.import_job, name="import_job"),
    path("platform/imports/<int:pk>/status.json", views_platform.import_job_status, name="import_job_status"),
    path("admin/", admin.site.urls),
    # Integrations: a member's calendar feed (its secret address is the credential) and the read-only API.
    path("calendar/<str:token>.ics", calendar_feed_ics, name="calendar_feed_ics"),
    path("api/v1/", include("api.urls")),
    path("", include("portal.privacy.urls")),  # /platform/privacy/ and /p/<slug>/privacy/
    # Inside a partnership: the foundation's pages, then each feature app in its own namespace.
    path("p/<slug:partnership_slug>/", include("portal.tenancy.urls")),
    path("p/<slug:partnership_slug>/", include("alliances.urls")),
    path("p/<slug:partnership_slug>/", include("programmes.urls")),
    path("p/<slug:partnership_slug>/", include("deployments.urls")),
    path("p/<slug:partnership_slug>/", include("leadership.urls")),
    path("p/<slug:partnership_slug>/", include("reporting.urls")),
    path("p/<slug:partnership_slug>/", include("api.pages_urls")),
]

handler400 = "portal.ui.errors.bad_request"
handler403 = "portal.ui.errors.permission_denied"
handler404 = "portal.ui.errors.page_not_found"
handler500 = "portal.ui.errors.server_error"

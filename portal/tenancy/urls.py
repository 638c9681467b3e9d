"""The foundation's pages inside a partnership: /p/<partnership_slug>/... (PartnershipMiddleware guards them
all). Each feature app has its own namespace under the same prefix (see portal/urls.py)."""

from django.urls import path

from portal.calendar import feed_views
from portal.calendar import views as calendar_views
from portal.notifications import views as notification_views
from portal.sso import views as sso_views
from portal.tenancy import views

app_name = "tenant"

urlpatterns = [
    path("", views.home, name="home"),
    path("ping/", views.ping, name="ping"),
    path("members/", views.members, name="members"),
    path("members/invite/", views.invite, name="invite"),
    path("members/<int:pk>/", views.member, name="member"),
    path("members/<int:pk>/links/", views.member_links, name="member_links"),
    path("members/<int:pk>/deactivate/", views.member_deactivate, name="member_deactivate"),
    path("members/<int:pk>/reactivate/", views.member_reactivate, name="member_reactivate"),
    path("invitations/<int:pk>/withdraw/", views.invitation_withdraw, name="invitation_withdraw"),
    path("activity/", views.activity, name="activity"),
    path("settings/", views.partnership_settings, name="settings"),
    path("settings/sign-in/", sso_views.sign_in_settings, name="sso_settings"),
    path("notifications/", notification_views.centre, name="notifications"),
    path("notifications/read-all/", notification_views.read_all, name="notifications_read_all"),
    path("notifications/<int:pk>/", notification_views.open_notification, name="notification"),
    path("term-dates/", calendar_views.calendar, name="calendar"),
    path("term-dates/import/", calendar_views.calendar_import, name="calendar_import"),
    path("term-dates/new/", calendar_views.period_edit, name="calendar_period_new"),
    path("term-dates/<int:pk>/", calendar_views.period_edit, name="calendar_period"),
    path("calendar-feed/", feed_views.calendar_feed, name="calendar_feed"),
    path("calendar-feed/revoke/", feed_views.calendar_feed_revoke, name="calendar_feed_revoke"),
    path("term-dates/<int:pk>/delete/", calendar_views.period_delete, name="calendar_period_delete"),
]

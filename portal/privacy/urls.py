"""Subject access and erasure: the platform's pages and each partnership's (PartnershipMiddleware guards those)."""

from django.urls import path

from portal.privacy import views

app_name = "privacy"

urlpatterns = [
    path("platform/privacy/", views.search, name="search"),
    path("platform/privacy/people/<int:pk>/", views.person, name="person"),
    path("platform/privacy/people/<int:pk>/erase/", views.erase, name="erase"),
    path("p/<slug:partnership_slug>/privacy/", views.members, name="members"),
    path("p/<slug:partnership_slug>/privacy/members/<int:pk>/", views.member, name="member"),
]

from django.urls import path

from deployments.requests import views

urlpatterns = [
    path("requests/", views.requests_list, name="requests"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/needs/", views.request_needs, name="request_needs"),
    path("requests/<int:pk>/context/", views.request_context, name="request_context"),
    path("requests/<int:pk>/timing/", views.request_timing, name="request_timing"),
    path("requests/<int:pk>/funding/", views.request_funding, name="request_funding"),
    path("requests/<int:pk>/check/", views.request_check, name="request_check"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="request_withdraw"),
    path("requests/<int:pk>/delete/", views.request_delete, name="request_delete"),
    path("requests/<int:pk>/triage/", views.request_triage, name="request_triage"),
]

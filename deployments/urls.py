from django.urls import path

from deployments import views, views_brokerage

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
    path("requests/<int:pk>/triage/", views.request_triage, name="request_triage"),
    path("requests/<int:pk>/candidates/", views.request_candidates, name="request_candidates"),
    path("requests/<int:pk>/offer/", views_brokerage.request_offer, name="request_offer"),
    path("requests/<int:pk>/propose/", views_brokerage.request_propose, name="request_propose"),
    path("offers/", views_brokerage.offers_list, name="offers"),
    path("offers/<int:pk>/", views_brokerage.offer_detail, name="offer"),
    path("offers/<int:pk>/withdraw/", views_brokerage.offer_withdraw, name="offer_withdraw"),
    path("deployments/", views_brokerage.deployments_list, name="deployments"),
    path("deployments/<int:pk>/", views_brokerage.deployment_detail, name="deployment"),
    path("deployments/<int:pk>/agreement/", views_brokerage.deployment_agreement, name="deployment_agreement"),
    path("deployments/<int:pk>/decide/", views_brokerage.deployment_decide, name="deployment_decide"),
    path("deployments/<int:pk>/confirm/", views_brokerage.deployment_confirm, name="deployment_confirm"),
    path("deployments/<int:pk>/pause/", views_brokerage.deployment_pause, name="deployment_pause"),
    path("deployments/<int:pk>/resume/", views_brokerage.deployment_resume, name="deployment_resume"),
    path("deployments/<int:pk>/stop/", views_brokerage.deployment_stop, name="deployment_stop"),
    path("deployments/<int:pk>/complete/", views_brokerage.deployment_complete, name="deployment_complete"),
    path("deployments/<int:pk>/visits/new/", views_brokerage.visit_new, name="visit_new"),
    path("visits/<int:pk>/answer/", views_brokerage.visit_answer, name="visit_answer"),
    path("visits/<int:pk>/resolve/", views_brokerage.visit_resolve, name="visit_resolve"),
]

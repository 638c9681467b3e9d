from django.urls import path

from deployments.brokerage import views

urlpatterns = [
    path("requests/<int:pk>/candidates/", views.request_candidates, name="request_candidates"),
    path("requests/<int:pk>/offer/", views.request_offer, name="request_offer"),
    path("requests/<int:pk>/propose/", views.request_propose, name="request_propose"),
    path("offers/", views.offers_list, name="offers"),
    path("offers/<int:pk>/", views.offer_detail, name="offer"),
    path("offers/<int:pk>/decline/", views.offer_decline, name="offer_decline"),
    path("offers/<int:pk>/withdraw/", views.offer_withdraw, name="offer_withdraw"),
]

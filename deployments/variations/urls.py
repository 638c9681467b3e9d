from django.urls import path

from deployments.variations import views

urlpatterns = [
    path("deployments/<int:pk>/changes/new/", views.variation_new, name="variation_new"),
    path("changes/<int:pk>/decide/", views.variation_decide, name="variation_decide"),
    path("changes/<int:pk>/confirm/", views.variation_confirm, name="variation_confirm"),
    path("changes/<int:pk>/decline/", views.variation_decline, name="variation_decline"),
    path("changes/<int:pk>/withdraw/", views.variation_withdraw, name="variation_withdraw"),
]

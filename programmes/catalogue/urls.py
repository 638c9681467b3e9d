from django.urls import path

from programmes.catalogue import views

urlpatterns = [
    path("catalogues/", views.catalogues, name="catalogues"),
    path("catalogues/new/", views.catalogue_new, name="catalogue_new"),
    path("catalogues/<int:pk>/", views.catalogue, name="catalogue"),
    path("catalogues/<int:pk>/edit/", views.catalogue_edit, name="catalogue_edit"),
    path("catalogues/<int:pk>/publish/", views.catalogue_publish, name="catalogue_publish"),
    path("catalogues/<int:pk>/copy/", views.catalogue_copy, name="catalogue_copy"),
    path("catalogues/<int:pk>/services/new/", views.service_new, name="service_new"),
    path("services/<int:pk>/edit/", views.service_edit, name="service_edit"),
    path("services/<int:pk>/remove/", views.service_remove, name="service_remove"),
    path("services/<int:pk>/withdraw/", views.service_withdraw, name="service_withdraw"),
]

from django.urls import path

from programmes.places import views

urlpatterns = [
    path("programmes/cohorts/<int:pk>/places/", views.cohort_places, name="cohort_places"),
    path("programmes/cohorts/<int:pk>/nominate/", views.nominate, name="place_nominate"),
    path("programmes/cohorts/<int:pk>/apply/", views.apply, name="place_apply"),
    path("programmes/places/staff/", views.staff_places, name="staff_places"),
    path("programmes/places/mine/", views.my_places, name="my_places"),
    path("programmes/places/<int:pk>/", views.place, name="place"),
    path("programmes/places/<int:pk>/endorse/", views.endorse, name="place_endorse"),
    path("programmes/places/<int:pk>/accept/", views.accept, name="place_accept"),
    path("programmes/places/<int:pk>/decline/", views.decline, name="place_decline"),
    path("programmes/places/<int:pk>/take/", views.take, name="place_take"),
    path("programmes/places/<int:pk>/turn-down/", views.turn_down, name="place_turn_down"),
    path("programmes/places/<int:pk>/withdraw/", views.withdraw, name="place_withdraw"),
]

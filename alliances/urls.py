from django.urls import path

from alliances import views

urlpatterns = [
    path("schools/", views.schools, name="schools"),
    path("schools/export.csv", views.schools_csv, name="schools_csv"),
    path("schools/add/", views.add_school, name="school_add"),
    path("schools/<str:urn>/", views.school, name="school"),
    path("schools/<str:urn>/partnership/", views.school_partnership, name="school_partnership"),
]

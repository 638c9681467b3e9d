from django.urls import path

from alliances import views, views_people

app_name = "alliances"

urlpatterns = [
    path("schools/", views.schools, name="schools"),
    path("schools/export.csv", views.schools_csv, name="schools_csv"),
    path("schools/add/", views.add_school, name="school_add"),
    path("schools/<str:urn>/", views.school, name="school"),
    path("schools/<str:urn>/partnership/", views.school_partnership, name="school_partnership"),
    path("system-leaders/", views_people.leaders, name="leaders"),
    path("system-leaders/export.csv", views_people.leaders_csv, name="leaders_csv"),
    path("system-leaders/new/", views_people.leader_edit, name="leader_new"),
    path("system-leaders/<int:pk>/", views_people.leader, name="leader"),
    path("system-leaders/<int:pk>/edit/", views_people.leader_edit, name="leader_edit"),
    path("profile/", views_people.own_profile, name="own_profile"),
    path("clusters/", views_people.clusters, name="clusters"),
    path("clusters/export.csv", views_people.clusters_csv, name="clusters_csv"),
    path("clusters/new/", views_people.cluster_edit, name="cluster_new"),
    path("clusters/<int:pk>/", views_people.cluster, name="cluster"),
    path("clusters/<int:pk>/edit/", views_people.cluster_edit, name="cluster_edit"),
    path("alliances/", views_people.alliances, name="alliances"),
    path("alliances/new/", views_people.alliance_edit, name="alliance_new"),
    path("alliances/<int:pk>/", views_people.alliance, name="alliance"),
    path("alliances/<int:pk>/edit/", views_people.alliance_edit, name="alliance_edit"),
    path("specialisms/", views_people.specialisms, name="specialisms"),
    path("specialisms/<int:pk>/", views_people.specialism_action, name="specialism_action"),
    path("specialisms/<int:pk>/delete/", views_people.specialism_delete, name="specialism_delete"),
]

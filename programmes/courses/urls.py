from django.urls import path

from programmes.courses import views

urlpatterns = [
    path("programmes/", views.programmes, name="programmes"),
    path("programmes/new/", views.programme_new, name="programme_new"),
    path("programmes/<int:pk>/", views.programme, name="programme"),
    path("programmes/<int:pk>/edit/", views.programme_edit, name="programme_edit"),
    path("programmes/<int:pk>/publish/", views.programme_publish, name="programme_publish"),
    path("programmes/<int:pk>/archive/", views.programme_archive, name="programme_archive"),
    path("programmes/<int:pk>/cohorts/new/", views.cohort_new, name="cohort_new"),
    path("cohorts/<int:pk>/", views.cohort, name="cohort"),
    path("cohorts/<int:pk>/edit/", views.cohort_edit, name="cohort_edit"),
    path("cohorts/<int:pk>/open/", views.cohort_open, name="cohort_open"),
    path("cohorts/<int:pk>/cancel/", views.cohort_cancel, name="cohort_cancel"),
    path("cohorts/<int:pk>/complete/", views.cohort_complete, name="cohort_complete"),
    path("cohorts/<int:pk>/sessions/new/", views.session_new, name="session_new"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/remove/", views.session_remove, name="session_remove"),
    path("cohorts/<int:pk>/facilitators/new/", views.facilitator_new, name="facilitator_new"),
    path("facilitators/<int:pk>/remove/", views.facilitator_remove, name="facilitator_remove"),
]

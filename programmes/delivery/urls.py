from django.urls import path

from programmes.delivery import views

urlpatterns = [
    path("sessions/<int:pk>/register/", views.register, name="register"),
    path("cohorts/<int:pk>/participants/", views.cohort_participants, name="cohort_participants"),
    path("places/<int:pk>/evaluation/", views.evaluation, name="evaluation"),
    path("places/<int:pk>/evaluation/check/", views.evaluation_check, name="evaluation_check"),
    path("places/<int:pk>/certificate/", views.certificate, name="certificate"),
    path("school-impact/<int:pk>/", views.school_impact, name="school_impact"),
    path("programme-reports/", views.programme_reports, name="programme_reports"),
    path("programme-reports/export.csv", views.programme_reports_csv, name="programme_reports_csv"),
    path("programme-reports/export.xlsx", views.programme_reports_xlsx, name="programme_reports_xlsx"),
]

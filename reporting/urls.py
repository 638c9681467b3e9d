"""Dashboards and their exports, inside a partnership."""

from django.urls import path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("dashboards/", views.dashboard, name="dashboard"),
    path("dashboards/export.csv", views.dashboard_csv, name="dashboard_csv"),
    path("dashboards/export.xlsx", views.dashboard_xlsx, name="dashboard_xlsx"),
    path("dashboards/deployments/<int:pk>/", views.dashboard_deployment, name="dashboard_deployment"),
    path("dashboards/take-up/", views.takeup, name="takeup"),
]

from django.urls import path

from programmes.finance import views

urlpatterns = [
    path("schools/<str:urn>/account/", views.school_account, name="school_account"),
    path("finance/", views.finance, name="finance"),
    path("finance/export.csv", views.finance_csv, name="finance_csv"),
    path("finance/export.xlsx", views.finance_xlsx, name="finance_xlsx"),
]

from django.urls import path

from deployments.reviews import views

urlpatterns = [
    path("reviews/<int:pk>/", views.review_detail, name="review"),
    path("reviews/<int:pk>/write/", views.review_write, name="review_write"),
    path("reviews/<int:pk>/answer/", views.review_answer, name="review_answer"),
]

from django.urls import path

from deployments.delivery import views

urlpatterns = [
    path("deployments/", views.deployments_list, name="deployments"),
    path("deployments/<int:pk>/", views.deployment_detail, name="deployment"),
    path("deployments/<int:pk>/watch/", views.deployment_watch, name="deployment_watch"),
    path("deployments/<int:pk>/agreement/", views.deployment_agreement, name="deployment_agreement"),
    path("deployments/<int:pk>/decide/", views.deployment_decide, name="deployment_decide"),
    path("deployments/<int:pk>/confirm/", views.deployment_confirm, name="deployment_confirm"),
    path("deployments/<int:pk>/pause/", views.deployment_pause, name="deployment_pause"),
    path("deployments/<int:pk>/resume/", views.deployment_resume, name="deployment_resume"),
    path("deployments/<int:pk>/stop/", views.deployment_stop, name="deployment_stop"),
    path("deployments/<int:pk>/complete/", views.deployment_complete, name="deployment_complete"),
    path("deployments/<int:pk>/visits/new/", views.visit_new, name="visit_new"),
    path("visits/<int:pk>/edit/", views.visit_edit, name="visit_edit"),
    path("visits/<int:pk>/delete/", views.visit_delete, name="visit_delete"),
    path("visits/<int:pk>/answer/", views.visit_answer, name="visit_answer"),
    path("visits/<int:pk>/resolve/", views.visit_resolve, name="visit_resolve"),
]

"""Quality assurance and designation review pages (/p/<slug>/leadership/quality/...) and the reports."""

from django.urls import path

from leadership.quality import reports, views

urlpatterns = [
    path("leadership/quality/", views.index, name="qa_index"),
    path("leadership/quality/mine/", views.mine, name="qa_mine"),
    path("leadership/quality/attention/", views.attention, name="qa_attention"),
    path("leadership/quality/framework/", views.framework, name="qa_framework"),
    path("leadership/quality/framework/defaults/", views.framework_defaults, name="qa_framework_defaults"),
    path("leadership/quality/framework/competencies/new/", views.competency_edit, name="qa_competency_new"),
    path("leadership/quality/framework/competencies/<int:pk>/", views.competency_edit, name="qa_competency"),
    path("leadership/quality/framework/scale/new/", views.rating_level_edit, name="qa_level_new"),
    path("leadership/quality/framework/scale/<int:pk>/", views.rating_level_edit, name="qa_level"),
    path("leadership/quality/groups/new/", views.group_edit, name="qa_group_new"),
    path("leadership/quality/groups/<int:pk>/", views.group_edit, name="qa_group"),
    path("leadership/quality/leaders/<int:pk>/", views.leader_summary, name="qa_summary"),
    path("leadership/quality/leaders/<int:pk>/record/", views.record, name="qa_record"),
    path("leadership/quality/leaders/<int:pk>/designation-review/", views.designation_review,
         name="qa_designation_review"),
    path("leadership/quality/activities/<int:pk>/", views.activity, name="qa_activity"),
    path("leadership/quality/actions/<int:pk>/done/", views.action_done, name="qa_action_done"),
    path("leadership/reports/", reports.report, name="reports"),
    path("leadership/reports/export.csv", reports.report_csv, name="reports_csv"),
    path("leadership/reports/benefits.csv", reports.benefits_csv, name="reports_benefits_csv"),
]

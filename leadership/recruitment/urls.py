from django.urls import path

from leadership.recruitment.views import applications, panel, people, rounds

urlpatterns = [
    path("leadership/recruitment/", rounds.rounds_list, name="rounds"),
    path("leadership/recruitment/new/", rounds.round_new, name="round_new"),
    path("leadership/recruitment/<int:pk>/", rounds.round_detail, name="round"),
    path("leadership/recruitment/<int:pk>/edit/", rounds.round_edit, name="round_edit"),
    path("leadership/recruitment/<int:pk>/panel/", rounds.round_panel, name="round_panel"),
    path("leadership/recruitment/<int:pk>/publish/", rounds.round_publish, name="round_publish"),
    path("leadership/recruitment/<int:pk>/invite/", rounds.round_invite, name="round_invite"),
    path("leadership/recruitment/<int:pk>/apply/", rounds.round_apply, name="round_apply"),
    path("leadership/applications/", applications.applications_list, name="applications"),
    path("leadership/applications/<int:pk>/", applications.application_detail, name="application"),
    path("leadership/applications/<int:pk>/answers/", applications.application_edit, name="application_edit"),
    path("leadership/applications/<int:pk>/check/", applications.application_check, name="application_check"),
    path("leadership/applications/<int:pk>/withdraw/", applications.application_withdraw,
         name="application_withdraw"),
    path("leadership/applications/<int:pk>/endorse/", applications.application_endorse, name="application_endorse"),
    path("leadership/applications/<int:pk>/score/", panel.application_score, name="application_score"),
    path("leadership/applications/<int:pk>/decide/", panel.application_decide, name="application_decide"),
    path("leadership/applications/<int:pk>/confirm/", panel.application_confirm, name="application_confirm"),
    path("leadership/applications/<int:pk>/send-back/", panel.application_send_back, name="application_send_back"),
    path("leadership/talent-pool/", people.talent_pool, name="talent"),
    path("leadership/talent-pool/nominate/", people.nominate, name="nominate"),
    path("leadership/talent-pool/<int:pk>/invite/", people.talent_invite, name="talent_invite"),
    path("leadership/induction/", people.induction_items, name="induction"),
    path("leadership/system-leaders/<int:pk>/induction/", people.leader_induction, name="leader_induction"),
    path("leadership/system-leaders/<int:pk>/consent/withdraw/", people.consent_withdraw, name="consent_withdraw"),
    path("leadership/system-leaders/<int:pk>/consent/give/", people.consent_give, name="consent_give"),
]

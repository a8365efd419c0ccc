from django.urls import path

from tidu.experts import views

app_name = "experts"
urlpatterns = [
    # the city (市经信局)
    path("", views.home, name="home"),
    path("pool/", views.pool, name="pool"),
    path("pool/new/", views.profile_new, name="profile_new"),
    path("pool/<int:pk>/", views.profile_edit, name="profile_edit"),
    path("relations/<int:pk>/delete/", views.relation_remove, name="relation_remove"),
    path("rubrics/", views.rubric_list, name="rubrics"),
    path("rubrics/call/<int:call_pk>/", views.rubric_ensure, name="rubric_ensure"),
    path("calls/<int:call_pk>/scores.xlsx", views.scores_export, name="scores_export"),
    path("rubrics/<int:pk>/", views.rubric_detail, name="rubric"),
    path("applications/<int:pk>/assign/", views.assign, name="assign"),
    path("applications/<int:pk>/", views.review, name="review"),
    path("applications/<int:pk>/complete/", views.complete, name="complete"),
    path("applications/<int:pk>/panel-opinion/", views.panel_opinion, name="panel_opinion"),
    path("applications/<int:pk>/panel-sheet.<str:fmt>", views.panel_sheet, name="panel_sheet"),
    path("applications/<int:pk>/sign-in-sheet.<str:fmt>", views.sign_in_sheet, name="sign_in_sheet"),
    path("assignments/<int:pk>/sheet.<str:fmt>", views.score_sheet, name="score_sheet"),
    path("assignments/<int:pk>/reopen/", views.reopen, name="reopen"),
    path("assignments/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("assignments/<int:pk>/leader/", views.leader, name="leader"),
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/new/", views.session_new, name="session_new"),
    path("sessions/<int:pk>/", views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/sign-in-sheet.<str:fmt>", views.session_sign_in_sheet, name="session_sign_in_sheet"),
    # the expert (评审专家)
    path("mine/", views.my_assignments, name="my_assignments"),
    path("mine/profile/", views.my_profile, name="my_profile"),
    path("mine/<int:pk>/", views.score, name="score"),
    path("mine/<int:pk>/conflict/", views.declare_conflict, name="declare_conflict"),
    path("mine/<int:pk>/panel-opinion/", views.leader_opinion, name="leader_opinion"),
    path("mine/<int:pk>/evidence/<int:evidence_pk>/", views.evidence, name="evidence"),
]

from django.urls import path

from tidu.applications import views

app_name = "applications"
urlpatterns = [
    path("", views.home, name="home"),
    path("start/", views.start, name="start"),
    path("unit/", views.unit_list, name="unit_list"),
    path("all/", views.all_list, name="all_list"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/delete/", views.evidence_delete, name="evidence_delete"),
    path("<int:pk>/", views.wizard, name="wizard"),
    path("<int:pk>/status/", views.status, name="status"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/receipts/<str:number>/", views.receipt, name="receipt"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/revision-due/", views.revision_due, name="revision_due"),
    path("<int:pk>/verdict.json", views.verdict_json, name="verdict_json"),
    path("<int:pk>/<slug:key>/", views.section, name="section"),
    path("<int:pk>/<slug:key>/history/", views.section_history, name="section_history"),
    path("<int:pk>/<slug:key>/autosave/", views.autosave, name="autosave"),
    path("<int:pk>/<slug:key>/evidence/", views.evidence_upload_view, name="evidence_upload"),
]

from django.urls import path

from tidu.documents import views

app_name = "documents"
urlpatterns = [
    path("applications/<int:pk>/", views.dossier, name="dossier"),
    path("applications/<int:pk>/application.pdf", views.application_pdf, name="application_pdf"),
    path("applications/<int:pk>/application.docx", views.application_docx, name="application_docx"),
    path("applications/<int:pk>/summary-row.xlsx", views.summary_row_xlsx, name="summary_row_xlsx"),
    path("applications/<int:pk>/summary-row.pdf", views.summary_row_pdf, name="summary_row_pdf"),
    path("applications/<int:pk>/bound/", views.bound_start, name="bound_start"),
    path("calls/<int:call_pk>/summary/", views.summary_export, name="summary_export"),
    path("jobs/<int:pk>/", views.job, name="job"),
    path("jobs/<int:pk>/status/", views.job_status, name="job_status"),
    path("jobs/<int:pk>/download/", views.job_download, name="job_download"),
    path("verify/", views.verify_form, name="verify_form"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("templates/", views.templates, name="templates"),
    path("templates/builtin/<slug:kind>/", views.builtin_template, name="builtin_template"),
    path("templates/<int:pk>/preview/", views.template_preview, name="template_preview"),
    path("templates/<int:pk>/deactivate/", views.template_deactivate, name="template_deactivate"),
]

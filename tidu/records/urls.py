from django.urls import path

from tidu.records import views

app_name = "records"
urlpatterns = [
    path("", views.index, name="index"),
    path("calls/<int:pk>/audit-log/", views.call_log, name="call_log"),
    path("calls/<int:pk>/audit-log/export/", views.call_log_export, name="call_log_export"),
    path("calls/<int:pk>/audit-log/<int:entry_pk>/", views.call_log_entry, name="call_log_entry"),
    path("calls/<int:pk>/archive/", views.archive, name="archive"),
    path("archives/<int:pk>/", views.archive_job, name="archive_job"),
    path("archives/<int:pk>/status/", views.archive_job_status, name="archive_job_status"),
    path("archives/<int:pk>/download/", views.archive_download, name="archive_download"),
]

from django.urls import path

from tidu.publicity import views

app_name = "publicity"
urlpatterns = [
    # public (no login)
    path("", views.public_list, name="public_list"),
    path("<int:pk>/", views.public_detail, name="public_detail"),
    path("<int:pk>/final.csv", views.final_csv, name="final_csv"),
    path("<int:pk>/final.xlsx", views.final_xlsx, name="final_xlsx"),
    path("calls/<str:code>/final.csv", views.call_final_csv, name="call_final_csv"),
    path("calls/<str:code>/final.xlsx", views.call_final_xlsx, name="call_final_xlsx"),
    path("calls/<str:code>/final.pdf", views.call_final_pdf, name="call_final_pdf"),
    # the city bureau
    path("manage/", views.manage_list, name="manage_list"),
    path("manage/new/", views.create, name="create"),
    path("manage/calendar/", views.calendar, name="calendar"),
    path("manage/calendar/<int:pk>/delete/", views.calendar_delete, name="calendar_delete"),
    path("manage/<int:pk>/", views.manage_detail, name="manage_detail"),
    path("manage/<int:pk>/edit/", views.edit, name="edit"),
    path("manage/<int:pk>/delete/", views.delete, name="delete"),
    path("manage/<int:pk>/entries/", views.add_entries, name="add_entries"),
    path("manage/<int:pk>/entries/<int:entry_pk>/remove/", views.remove_entry, name="remove_entry"),
    path("manage/<int:pk>/publish/", views.publish, name="publish"),
    path("manage/<int:pk>/finalise/", views.finalise, name="finalise"),
    path("manage/<int:pk>/notice.docx", views.publicity_notice_docx, name="publicity_notice_docx"),
    path("manage/<int:pk>/notice.pdf", views.publicity_notice_pdf, name="publicity_notice_pdf"),
    path("manage/calls/<int:call_pk>/recognition-notice/", views.recognition_notice, name="recognition_notice"),
    path("manage/calls/<int:call_pk>/recognition-notice.docx", views.recognition_notice_docx,
         name="recognition_notice_docx"),
    path("manage/calls/<int:call_pk>/recognition-notice.pdf", views.recognition_notice_pdf,
         name="recognition_notice_pdf"),
    path("manage/objections/<int:pk>/", views.objection, name="objection"),
    path("manage/objections/<int:pk>/attachment/", views.objection_attachment, name="objection_attachment"),
    path("manage/objections/<int:pk>/reject/", views.entry_reject, name="entry_reject"),
]

from django.urls import path

from tidu.review import views

app_name = "review"
urlpatterns = [
    path("township/", views.township_dashboard, name="township_dashboard"),
    path("township/invite/", views.invite, name="invite"),
    path("township/list/add/", views.list_add, name="list_add"),
    path("lists/<int:pk>/", views.list_detail, name="list_detail"),
    path("lists/<int:pk>/edit/", views.list_edit, name="list_edit"),
    path("lists/<int:pk>/sign/", views.list_sign, name="list_sign"),
    path("lists/<int:pk>/unsign/", views.list_unsign, name="list_unsign"),
    path("lists/<int:pk>/send/", views.list_send, name="list_send"),
    path("lists/<int:pk>/reopen/", views.list_reopen, name="list_reopen"),
    path("lists/<int:pk>/export.<str:fmt>", views.list_export, name="list_export"),
    path("intake/", views.intake, name="intake"),
    path("intake/batch/", views.batch, name="batch"),
    path("batches/<int:pk>/", views.batch_result, name="batch_result"),
    path("applications/<int:pk>/receive/", views.receive, name="receive"),
    path("applications/<int:pk>/formal/", views.formal_review, name="formal_review"),
    path("applications/<int:pk>/formal/sheet.<str:fmt>", views.formal_review_sheet_download, name="formal_review_sheet"),
]

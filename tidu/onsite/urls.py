from django.urls import path

from tidu.onsite import views

app_name = "onsite"
urlpatterns = [
    path("", views.home, name="home"),
    path("mine/", views.mine, name="mine"),
    path("applications/<int:pk>/create/", views.create, name="create"),
    path("applications/<int:pk>/discrepancies/", views.discrepancies, name="discrepancies"),
    path("<int:pk>/", views.check, name="check"),
    path("<int:pk>/sheet.<str:fmt>", views.check_sheet, name="check_sheet"),
    path("<int:pk>/inspectors/", views.inspectors, name="inspectors"),
    path("<int:pk>/report/", views.report, name="report"),
    path("<int:pk>/complete/", views.complete, name="complete"),
    path("<int:pk>/return/", views.return_for_revision, name="return"),
    path("items/<int:pk>/", views.item_decide, name="item"),
    path("items/<int:pk>/photos/", views.photo_upload, name="photo_upload"),
    path("items/<int:pk>/resolve/", views.resolve, name="resolve"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("photos/<int:pk>/delete/", views.photo_delete, name="photo_delete"),
]

from django.urls import path

from tidu.enterprises import views

app_name = "enterprises"
urlpatterns = [
    path("register/", views.register, name="register"),
    path("mine/", views.my_enterprise, name="my_enterprise"),
    path("mine/change/", views.request_change, name="request_change"),
    path("mine/delegation/", views.delegation, name="delegation"),
    path("unit/", views.unit_enterprises, name="unit_enterprises"),
    path("unit/changes/", views.decide_change, name="decide_change"),
    path("all/", views.all_enterprises, name="all_enterprises"),
    path("import/", views.import_start, name="import_start"),
    path("import/template.<str:fmt>", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.import_detail, name="import_detail"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("import/<int:pk>/problems.csv", views.import_errors, name="import_errors"),
    path("<int:pk>/", views.enterprise_detail, name="enterprise_detail"),
    path("<int:pk>/confirm/", views.enterprise_confirm, name="enterprise_confirm"),
    path("<int:pk>/reject/", views.enterprise_reject, name="enterprise_reject"),
]

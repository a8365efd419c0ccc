from django.urls import path

from tidu.whatif import views

app_name = "whatif"
urlpatterns = [
    path("drafts/<int:pk>/", views.start, name="start"),
    path("runs/<int:pk>/", views.run, name="run"),
    path("runs/<int:pk>/status/", views.run_status, name="run_status"),
    path("runs/<int:pk>/export.<str:fmt>", views.export, name="export"),
]

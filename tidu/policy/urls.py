from django.urls import path

from tidu.policy import views

app_name = "policy"
urlpatterns = [
    path("calls/<slug:code>/", views.call_detail, name="call_detail"),
]

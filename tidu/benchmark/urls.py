from django.urls import path

from tidu.benchmark import views

app_name = "benchmark"
urlpatterns = [
    path("", views.city, name="city"),
    path("mine/", views.mine, name="mine"),
    path("applications/<int:pk>/", views.application, name="application"),
]

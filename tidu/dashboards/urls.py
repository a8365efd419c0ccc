from django.urls import path

from tidu.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("table.csv", views.table_csv, name="table_csv"),
]

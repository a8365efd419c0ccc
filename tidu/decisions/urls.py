from django.urls import path

from tidu.decisions import views

app_name = "decisions"
urlpatterns = [
    path("applications/<int:pk>/", views.application, name="application"),
    path("applications/<int:pk>/reject/", views.reject, name="reject"),
    path("applications/<int:pk>/letter.pdf", views.letter, name="letter"),
    path("calls/<int:pk>/", views.call, name="call"),
    path("intake.csv", views.intake_csv, name="intake_csv"),
    path("intake.xlsx", views.intake_xlsx, name="intake_xlsx"),
]

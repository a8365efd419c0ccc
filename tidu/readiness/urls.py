from django.urls import path

from tidu.readiness import views

app_name = "readiness"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("city/", views.city, name="city"),
    path("city/snapshot-all/", views.snapshot_all, name="snapshot_all"),
    path("profile/", views.profile, name="profile"),
    path("enterprise/<int:pk>/", views.enterprise, name="enterprise"),
    path("enterprise/<int:pk>/snapshot/", views.snapshot, name="snapshot"),
    path("enterprise/<int:pk>/pdf/", views.enterprise_pdf, name="pdf"),
]

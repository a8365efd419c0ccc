from django.urls import path

from tidu.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:pk>/", views.notification_open, name="open"),
    path("<int:pk>/read/", views.notification_read, name="read"),
    path("channels/", views.channel_preferences, name="channels"),
    path("read-all/", views.notification_read_all, name="read_all"),
]

from django.urls import path

from tidu.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/done/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("password/reset/complete/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("unlock/", views.unlock_request, name="unlock_request"),
    path("unlock/<str:token>/", views.unlock, name="unlock"),
    path("two-factor/setup/", views.otp_setup, name="otp_setup"),
    path("two-factor/verify/", views.otp_verify, name="otp_verify"),
    path("audit-log/", views.audit_log, name="audit_log"),
    path("audit-log/export/", views.audit_log_export, name="audit_log_export"),
    path("audit-log/<int:pk>/", views.audit_entry, name="audit_entry"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("profile/", views.profile, name="profile"),
]

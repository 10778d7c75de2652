from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("2fa/", views.otp_verify, name="otp_verify"),
    path("2fa/setup/", views.otp_setup, name="otp_setup"),
    path("2fa/recovery-codes/", views.otp_codes, name="otp_codes"),
    path("reauth/", views.reauth, name="reauth"),
    path("security/", views.account_security, name="security"),
    path(
        "security/recovery-codes/",
        views.recovery_codes_regenerate,
        name="recovery_codes_regenerate",
    ),
    path("password/", views.password_change, name="password_change"),
    path("staff/", views.staff, name="staff"),
    path("staff/<int:pk>/role/", views.staff_role, name="staff_role"),
    path("staff/<int:pk>/end/", views.staff_end, name="staff_end"),
    path("staff/<int:pk>/password/", views.staff_password, name="staff_password"),
    path("staff/<int:pk>/two-factor/", views.staff_two_factor, name="staff_two_factor"),
]

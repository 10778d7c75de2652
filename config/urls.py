from django.contrib import admin
from django.urls import include, path

from cases.views import home as cases_home
from common.views import favicon, healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("accounts/", include("accounts.urls")),
    path("households/", include("households.urls")),
    path("intake/", include("intake.urls")),
    path("meetings/", include("meetings.urls")),
    path("referrals/", include("referrals.urls")),
    path("outreach/", include("outreach.urls")),
    path("participation/", include("participation.urls")),
    path("community/", include("community.urls")),
    path("reports/", include("reports.urls")),
    path("imports/", include("imports.urls")),
    path("", include("cases.urls")),
    path("", cases_home, name="home"),
    path("admin/", admin.site.urls),
]

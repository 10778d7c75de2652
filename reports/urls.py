from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="report_list"),
    path("request/", views.report_request, name="report_request"),
    path("statistics/", views.statistics_view, name="statistics"),
    path("statistics/figure/", views.figure, name="figure"),
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path("dashboard/figure/", views.dashboard_figure, name="dashboard_figure"),
    path("<int:pk>/", views.report_detail, name="report_detail"),
    path("<int:pk>/status/", views.report_status, name="report_status"),
    path("<int:pk>/pdf/", views.download_pdf, name="download_pdf"),
    path("<int:pk>/xlsx/", views.download_xlsx, name="download_xlsx"),
]

from django.urls import path

from participation import views

app_name = "participation"
urlpatterns = [
    path("", views.opportunity_list, name="opportunity_list"),
    path("opportunities/new/", views.opportunity_create, name="opportunity_create"),
    path("opportunities/<int:pk>/", views.opportunity_detail, name="opportunity_detail"),
    path("opportunities/<int:pk>/edit/", views.opportunity_edit, name="opportunity_edit"),
    path("hosts/", views.host_log_list, name="host_log_list"),
    path("hosts/new/", views.host_log_create, name="host_log_create"),
    path("hosts/<int:pk>/", views.host_log_detail, name="host_log_detail"),
    path("hosts/<int:pk>/edit/", views.host_log_edit, name="host_log_edit"),
    path("placements/", views.placement_list, name="placement_list"),
    path("placements/new/", views.placement_create, name="placement_create"),
    path("placements/<int:pk>/", views.placement_detail, name="placement_detail"),
    path("placements/<int:pk>/edit/", views.placement_edit, name="placement_edit"),
    path("placements/<int:pk>/status/", views.placement_status, name="placement_status"),
    path("placements/<int:pk>/follow-ups/new/", views.follow_up_add, name="follow_up_add"),
]

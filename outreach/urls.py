from django.urls import path

from outreach import views

app_name = "outreach"
urlpatterns = [
    path("", views.target_list, name="target_list"),
    path("targets/new/", views.target_create, name="target_create"),
    path("targets/<int:pk>/", views.target_detail, name="target_detail"),
    path("targets/<int:pk>/edit/", views.target_edit, name="target_edit"),
    path("targets/<int:pk>/status/", views.target_status, name="target_status"),
    path("targets/<int:pk>/contacts/new/", views.contact_add, name="contact_add"),
    path("targets/<int:pk>/connect/", views.target_connect, name="target_connect"),
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path(
        "campaigns/<int:pk>/households/",
        views.campaign_add_households,
        name="campaign_add_households",
    ),
    path("campaigns/<int:pk>/targets/", views.campaign_make_targets, name="campaign_make_targets"),
    path("campaigns/<int:pk>/visits/<int:visit_pk>/", views.visit_edit, name="visit_edit"),
]

from django.urls import path

from households import views, views_audit

app_name = "households"
urlpatterns = [
    path("", views.household_search_view, name="search"),
    path("lookup/", views.household_lookup, name="lookup"),
    path("access-log/", views_audit.access_log, name="access_log"),
    path("access-log/csv/", views_audit.access_log_csv, name="access_log_csv"),
    path("new/", views.household_create, name="create"),
    path("<int:pk>/", views.household_detail, name="detail"),
    path("<int:pk>/edit/", views.household_edit, name="edit"),
    path("<int:pk>/members/new/", views.member_add, name="member_add"),
    path("<int:pk>/members/<int:membership_pk>/edit/", views.person_edit, name="person_edit"),
    path("<int:pk>/consents/new/", views.consent_add, name="consent_add"),
    path(
        "<int:pk>/consents/<int:consent_pk>/withdraw/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
]

from django.urls import path

from households import (
    views,
    views_attachments,
    views_audit,
    views_family,
    views_history,
    views_people,
)

app_name = "households"
# A member of the household: pk is the household, membership_pk their membership.
MEMBER = "<int:pk>/members/<int:membership_pk>/"
urlpatterns = [
    path("", views.household_search_view, name="search"),
    path("lookup/", views.household_lookup, name="lookup"),
    path("access-log/", views_audit.access_log, name="access_log"),
    path("access-log/csv/", views_audit.access_log_csv, name="access_log_csv"),
    path("new/", views.household_create, name="create"),
    path("<int:pk>/", views.household_detail, name="detail"),
    path("<int:pk>/edit/", views.household_edit, name="edit"),
    path("<int:pk>/history/", views_history.household_history, name="history"),
    path(f"{MEMBER}history/", views_history.person_history, name="person_history"),
    path("<int:pk>/members/new/", views.member_add, name="member_add"),
    path(f"{MEMBER}edit/", views.person_edit, name="person_edit"),
    path("<int:pk>/consents/new/", views.consent_add, name="consent_add"),
    path(f"{MEMBER}disclosure/", views_people.disclosure_page, name="disclosure"),
    path(f"{MEMBER}disclosure/pdf/", views_people.disclosure_pdf, name="disclosure_pdf"),
    path(f"{MEMBER}disclosure/json/", views_people.disclosure_json, name="disclosure_json"),
    path(f"{MEMBER}move/", views_people.person_move, name="person_move"),
    path(f"{MEMBER}merge/", views_people.person_merge, name="person_merge"),
    path("<int:pk>/related/new/", views_family.related_add, name="related_add"),
    path(
        "<int:pk>/related/<int:related_pk>/remove/",
        views_family.related_remove,
        name="related_remove",
    ),
    path("<int:pk>/eco-ties/", views_family.eco_tie, name="eco_tie"),
    path(
        "<int:pk>/consents/<int:consent_pk>/withdraw/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
    path("<int:pk>/attachments/", views_attachments.household_attachments, name="attachments"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/",
        views_attachments.household_attachment_download,
        name="attachment_download",
    ),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/withdraw/",
        views_attachments.household_attachment_withdraw,
        name="attachment_withdraw",
    ),
    path(
        "<int:pk>/consents/<int:consent_pk>/attachments/",
        views_attachments.consent_attachments,
        name="consent_attachments",
    ),
    path(
        "<int:pk>/consents/<int:consent_pk>/attachments/<int:attachment_pk>/",
        views_attachments.consent_attachment_download,
        name="consent_attachment_download",
    ),
    path(
        "<int:pk>/consents/<int:consent_pk>/attachments/<int:attachment_pk>/withdraw/",
        views_attachments.consent_attachment_withdraw,
        name="consent_attachment_withdraw",
    ),
]

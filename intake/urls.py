from django.urls import path

from intake import views, views_attachments, views_papers

app_name = "intake"
urlpatterns = [
    path("", views.consultation_list, name="consultation_list"),
    path("consultations/new/", views.consultation_new, name="consultation_new"),
    path("consultations/<int:pk>/", views.consultation_detail, name="consultation_detail"),
    path("consultations/<int:pk>/edit/", views.consultation_edit, name="consultation_edit"),
    path(
        "consultations/<int:pk>/attachments/",
        views_attachments.consultation_attachments,
        name="consultation_attachments",
    ),
    path(
        "consultations/<int:pk>/attachments/<int:attachment_pk>/",
        views_attachments.consultation_attachment_download,
        name="consultation_attachment_download",
    ),
    path(
        "consultations/<int:pk>/attachments/<int:attachment_pk>/withdraw/",
        views_attachments.consultation_attachment_withdraw,
        name="consultation_attachment_withdraw",
    ),
    path(
        "consultations/<int:pk>/correct/",
        views_papers.consultation_correct,
        name="consultation_correct",
    ),
    path(
        "consultations/<int:pk>/history/",
        views_papers.consultation_history,
        name="consultation_history",
    ),
    path("consultations/<int:pk>.pdf", views_papers.consultation_pdf, name="consultation_pdf"),
    path("household-members/", views.household_members, name="household_members"),
    path("sheets/", views.sheet_list, name="sheet_list"),
    path("sheets/new/", views.sheet_new, name="sheet_new"),
    path("sheets/blank.pdf", views.sheet_blank_pdf, name="sheet_blank_pdf"),
    path("sheets/<int:pk>/", views.sheet_detail, name="sheet_detail"),
    path("sheets/<int:pk>/take-up/", views.sheet_take_up, name="sheet_take_up"),
    path("sheets/<int:pk>/return/", views.sheet_return, name="sheet_return"),
    path("sheets/<int:pk>.pdf", views.sheet_pdf, name="sheet_pdf"),
]

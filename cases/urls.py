from django.urls import path

from cases import (
    views,
    views_attachments,
    views_calendar,
    views_handover,
    views_intake,
    views_papers,
    views_plans,
    views_reminders,
    views_sharing,
)

app_name = "cases"
urlpatterns = [
    path("reminders/settings/", views_reminders.reminder_settings, name="reminder_settings"),
    path("handover/", views_handover.handover_page, name="handover"),
    path("calendar/", views_calendar.calendar_page, name="calendar"),
    path("calendar/feed/", views_calendar.calendar_feed_settings, name="calendar_feed"),
    path("calendar/ical/<str:token>.ics", views_calendar.calendar_ical, name="calendar_ical"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_open, name="case_open"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/attachments/", views_attachments.case_attachments, name="attachments"),
    path(
        "cases/<int:pk>/attachments/<int:attachment_pk>/",
        views_attachments.case_attachment_download,
        name="attachment_download",
    ),
    path(
        "cases/<int:pk>/attachments/<int:attachment_pk>/withdraw/",
        views_attachments.case_attachment_withdraw,
        name="attachment_withdraw",
    ),
    path("cases/<int:pk>/timeline/", views.case_timeline, name="case_timeline"),
    path("cases/<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("cases/<int:pk>/status/", views.case_status, name="case_status"),
    path("cases/<int:pk>/records/new/", views.record_add, name="record_add"),
    path("cases/<int:pk>/records.pdf", views.records_pdf, name="records_pdf"),
    path("cases/<int:pk>/assessments/new/", views.assessment_add, name="assessment_add"),
    path("cases/<int:pk>/plans/new/", views_plans.plan_add, name="plan_add"),
    path("cases/<int:pk>/plans/<int:plan_pk>/", views_plans.plan_detail, name="plan_detail"),
    path("cases/<int:pk>/plans/<int:plan_pk>/edit/", views_plans.plan_edit, name="plan_edit"),
    path(
        "cases/<int:pk>/plans/<int:plan_pk>/consent/", views_plans.plan_consent, name="plan_consent"
    ),
    path(
        "cases/<int:pk>/plans/<int:plan_pk>/consent/new/",
        views_plans.plan_consent_new,
        name="plan_consent_new",
    ),
    path(
        "cases/<int:pk>/plans/<int:plan_pk>/approve/", views_plans.plan_approve, name="plan_approve"
    ),
    path("cases/<int:pk>/plans/<int:plan_pk>/review/", views_plans.plan_review, name="plan_review"),
    path("cases/<int:pk>/plans/<int:plan_pk>/revise/", views_plans.plan_revise, name="plan_revise"),
    path("cases/<int:pk>/plans/<int:plan_pk>.pdf", views_plans.plan_pdf, name="plan_pdf"),
    path("cases/<int:pk>/sharing/", views_sharing.case_share, name="case_share"),
    path("cases/<int:pk>/sharing/<int:grant_pk>/end/", views_sharing.grant_end, name="grant_end"),
    path("cases/<int:pk>/sharing/preview/", views_sharing.access_preview, name="access_preview"),
]

# 相談受付 on cases (cases/views_intake.py).
urlpatterns += [
    path(
        "cases/<int:pk>/consultations/new/",
        views_intake.consultation_add,
        name="consultation_add",
    ),
    path(
        "cases/link-consultation/<int:consultation_pk>/",
        views_intake.consultation_link,
        name="consultation_link",
    ),
]

# Printed forms, 訂正 and 変更履歴 (cases/views_papers.py).
urlpatterns += [
    path(
        "cases/<int:pk>/records/<int:record_pk>/",
        views_papers.record_detail,
        name="record_detail",
    ),
    path(
        "cases/<int:pk>/records/<int:record_pk>/correct/",
        views_papers.record_correct,
        name="record_correct",
    ),
    path("cases/<int:pk>/history/", views_papers.case_history, name="case_history"),
    path(
        "cases/<int:pk>/plans/<int:plan_pk>/history/",
        views_papers.plan_history,
        name="plan_history",
    ),
    path(
        "cases/<int:pk>/assessments/<int:assessment_pk>.pdf",
        views_papers.assessment_pdf,
        name="assessment_pdf",
    ),
    path(
        "cases/households/<int:household_pk>/facesheet.pdf",
        views_papers.facesheet_pdf,
        name="facesheet_pdf",
    ),
]

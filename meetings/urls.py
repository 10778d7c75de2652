from django.urls import path

from meetings import views, views_agenda, views_attachments, views_members, views_papers

app_name = "meetings"
urlpatterns = [
    path("", views.meeting_list, name="meeting_list"),
    path("new/", views.meeting_create, name="meeting_create"),
    path("<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("<int:pk>/attachments/", views_attachments.meeting_attachments, name="attachments"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/",
        views_attachments.meeting_attachment_download,
        name="attachment_download",
    ),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/withdraw/",
        views_attachments.meeting_attachment_withdraw,
        name="attachment_withdraw",
    ),
    path("<int:pk>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path("<int:pk>/finalise/", views.meeting_finalise, name="meeting_finalise"),
    path("<int:pk>/members/", views_members.member_add, name="member_add"),
    path(
        "<int:pk>/members/<int:member_pk>/remove/",
        views_members.member_remove,
        name="member_remove",
    ),
    path(
        "<int:pk>/members/<int:member_pk>/acknowledge/",
        views_members.member_acknowledge,
        name="member_acknowledge",
    ),
    path(
        "<int:pk>/members/<int:member_pk>/attendance/", views_members.attendance, name="attendance"
    ),
    path("<int:pk>/attendees/", views_members.attendee_add, name="attendee_add"),
    path("<int:pk>/external/", views_members.external_add, name="external_add"),
    path(
        "<int:pk>/external/<int:external_pk>/remove/",
        views_members.external_remove,
        name="external_remove",
    ),
    path("<int:pk>/items/new/", views_agenda.item_add, name="item_add"),
    path("<int:pk>/items/<int:item_pk>/edit/", views_agenda.item_edit, name="item_edit"),
    path("<int:pk>/items/<int:item_pk>/remove/", views_agenda.item_remove, name="item_remove"),
    path("<int:pk>/items/<int:item_pk>/minutes/", views_agenda.minutes_save, name="minutes_save"),
    path("<int:pk>/items/<int:item_pk>/decision/", views_agenda.item_decide, name="item_decide"),
    path("<int:pk>/items/<int:item_pk>/roles/", views_agenda.role_add, name="role_add"),
    path("<int:pk>/roles/<int:role_pk>/remove/", views_agenda.role_remove, name="role_remove"),
    path("<int:pk>/minutes/", views.minutes, name="minutes"),
    path(
        "<int:pk>/items/<int:item_pk>/minutes/correct/",
        views_papers.minutes_correct,
        name="minutes_correct",
    ),
    path("<int:pk>/addenda/", views_agenda.addendum_add, name="addendum_add"),
    path("<int:pk>/minutes.pdf", views.minutes_pdf, name="minutes_pdf"),
    path("<int:pk>/agenda.pdf", views.agenda_pdf, name="agenda_pdf"),
    path("tasks/<int:task_pk>/done/", views.task_done, name="task_done"),
    path("cases/<int:case_pk>/", views.case_meetings, name="case_meetings"),
]

from django.urls import path

from referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/", views.referral_new, name="referral_new"),
    path("new/consents/", views.consent_options, name="consent_options"),
    path("<int:pk>/", views.referral_detail, name="referral_detail"),
    path("<int:pk>/accept/", views.referral_accept, name="referral_accept"),
    path("<int:pk>/decline/", views.referral_decline, name="referral_decline"),
    path("<int:pk>/start/", views.referral_start, name="referral_start"),
    path("<int:pk>/complete/", views.referral_complete, name="referral_complete"),
    path("<int:pk>/cancel/", views.referral_cancel, name="referral_cancel"),
    path("<int:pk>/records/new/", views.record_add, name="record_add"),
    path("to-desk/", views.to_desk, name="to_desk"),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/badge/", views.notification_badge, name="notification_badge"),
    path("agencies/", views.agency_list, name="agency_list"),
    path("agencies/<int:pk>/", views.agency_detail, name="agency_detail"),
    path("agencies/<int:pk>/edit/", views.agency_edit, name="agency_edit"),
]

from django.urls import path

from referrals import views
from referrals.choices import ReferralStatus

app_name = "referrals"

# A referral's steps share one view; the URL names the step ("referrals:referral_accept").
STEPS = [
    ("accept", ReferralStatus.ACCEPTED),
    ("decline", ReferralStatus.DECLINED),
    ("start", ReferralStatus.IN_PROGRESS),
    ("complete", ReferralStatus.COMPLETED),
    ("cancel", ReferralStatus.CANCELLED),
]
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/", views.referral_new, name="referral_new"),
    path("new/consents/", views.consent_options, name="consent_options"),
    path("<int:pk>/", views.referral_detail, name="referral_detail"),
    path("<int:pk>/records/new/", views.record_add, name="record_add"),
    path("to-desk/", views.to_desk, name="to_desk"),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/badge/", views.notification_badge, name="notification_badge"),
    path("agencies/", views.agency_list, name="agency_list"),
    path("agencies/<int:pk>/", views.agency_detail, name="agency_detail"),
    path("agencies/<int:pk>/edit/", views.agency_edit, name="agency_edit"),
] + [
    path(f"<int:pk>/{slug}/", views.referral_step, {"to_status": status}, name=f"referral_{slug}")
    for slug, status in STEPS
]

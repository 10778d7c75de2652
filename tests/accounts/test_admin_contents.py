"""Administrators manage users, agencies and master data, never case contents
(issue 8, item 4): the Django admin registers only master data, and an administrator
walking every admin page finds no consultation, plan, record, minutes or referral text."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from cases.choices import ExemptionReason
from tests.factories_referrals import (
    CASE_TITLE,
    CONSULTATION_SECRET,
    PLAN_SECRET,
    RECORD_SECRET,
    ReferralFactory,
    make_case,
)

REFERRAL_SECRET = "児童虐待の通告に基づく例外"

pytestmark = pytest.mark.django_db

# What the admin may hold: people who use the system, agencies and configuration lists.
MASTER_DATA = {
    "accounts.user",
    "accounts.agency",
    "auth.group",
    "households.district",
    "cases.assessmentissue",
    "intake.consultationcategory",
    "community.communityresource",
    "community.communityissue",
    "participation.opportunity",
    "participation.hostdevelopment",
    # Login attempts and lockouts (django-axes): security records, no case contents.
    "axes.accessattempt",
    "axes.accessfailurelog",
    "axes.accesslog",
}

# Every app whose models carry what a person told the desk.
CONTENT_APPS = {"households", "intake", "cases", "meetings", "referrals", "outreach"}


def test_admin_registers_master_data_only():
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered <= MASTER_DATA, registered - MASTER_DATA
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label in CONTENT_APPS and label not in MASTER_DATA:
            assert model not in admin.site._registry, label
    # Placements (who takes part where) are personal; only the opportunities are master data.
    assert apps.get_model("participation", "Placement") not in admin.site._registry
    # Nor the second factor's secrets: an administrator resets 2FA from the user page.
    for label in ("otp_totp.totpdevice", "otp_static.staticdevice", "otp_static.statictoken"):
        assert label not in registered


def _admin_urls():
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        opts = model._meta
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        obj = model._default_manager.first()
        if obj is not None:
            try:
                urls.append(
                    reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
                )
                urls.append(
                    reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk])
                )
            except NoReverseMatch:
                pass
    return urls


def test_administrator_walking_the_admin_sees_no_case_contents(
    client_for, admin_user, desk, desk_agency, partner, partner_agency
):
    case, principal, son = make_case(desk=desk, desk_agency=desk_agency)
    referral = ReferralFactory(
        case=case,
        actor=desk,
        to_agency=partner_agency,
        exemption_reason=ExemptionReason.values[0],
        exemption_note=REFERRAL_SECRET,
    )
    secrets = [
        CASE_TITLE,
        CONSULTATION_SECRET,
        RECORD_SECRET,
        PLAN_SECRET,
        REFERRAL_SECRET,
        referral.reason,
        principal.given_name,
        son.given_name,
        case.household.address,
    ]

    client = client_for(admin_user)
    walked = 0
    for url in _admin_urls():
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for secret in secrets:
            assert secret not in html, (url, secret)
        walked += 1
    assert walked >= len(admin.site._registry) + 1

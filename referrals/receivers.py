"""What referrals adds to pages owned by cases (timeline, home, case page) and how it
reacts to households' signals. Connected from ReferralsConfig.ready()."""

from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _

from cases import sharing
from cases.registry import (
    TimelineEntry,
    first_rows,
    register_case_links,
    register_case_panel,
    register_home,
    register_timeline,
)
from households.signals import consent_ended, hidden_duplicate_registered
from referrals import selectors, services
from referrals.choices import GRANTED_STATUSES, ReferralStatus

HOME_LIMIT = 20


@receiver(consent_ended, dispatch_uid="referrals_end_for_consent")
def end_referrals_of_ended_consent(sender, consent, actor, **kwargs):
    services.referrals_end_for_consent(consent=consent, actor=actor)


@receiver(hidden_duplicate_registered, dispatch_uid="referrals_tell_lead_of_hidden_duplicate")
def tell_lead_of_hidden_duplicate(sender, household_ids, agency, actor, **kwargs):
    services.hidden_duplicate_notify(household_ids=household_ids, agency=agency, actor=actor)


def _can(case, user, action: str) -> bool:
    """Use the flags get_case_for_user annotated when present (no extra query)."""
    flag = getattr(case, f"can_{action}", None)
    if flag is None:
        flag = sharing.can(user, case, action)
    return bool(flag)


@register_timeline
def referral_timeline(case, user):
    """Every step of the case's referrals, and the end of each agency's access that a
    referral had opened, for those who may read the case's records."""
    if not _can(case, user, "records"):
        return []
    mine = set(user.agency_ids)
    entries = []
    for event in selectors.case_referral_events(case):
        referral = event.referral
        party = referral.from_agency_id in mine or referral.to_agency_id in mine
        entries.append(
            TimelineEntry(
                at=event.at,
                kind="referral",
                label=_("繋ぎ"),
                title=_("%(from)s → %(to)s：%(status)s")
                % {
                    "from": referral.from_agency.name,
                    "to": referral.to_agency.name,
                    "status": ReferralStatus(event.to_status).label,
                },
                body=event.note,
                by=str(event.by),
                url=reverse("referrals:referral_detail", args=[referral.pk]) if party else "",
            )
        )
    for grant in selectors.ended_referral_grants(case):
        entries.append(
            TimelineEntry(
                at=grant.revoked_at,
                kind="referral",
                label=_("共有終了"),
                title=_("%(agency)sの閲覧は終了しました（%(reason)s）")
                % {"agency": grant.agency.name, "reason": grant.revoke_reason},
                body=_(
                    "この機関はこのケースを見られなくなりました。"
                    "この機関が書いた支援経過は記録として残ります。"
                ),
                extra={"access_ended_agency": grant.agency},
            )
        )
    return entries


def _home_list(request, rows_for, title, order):
    """A home-page list of referrals for case workers; None when it is empty."""
    user = request.user
    if not user.works_on_cases:
        return None
    rows, more = first_rows(rows_for(user), HOME_LIMIT)
    if not rows:
        return None
    return {
        "title": title,
        "template": "referrals/home/referrals.html",
        "context": {"referrals": rows},
        "count": len(rows),
        "more": more,
        # The received tab lists the unanswered first, the overdue at their head.
        "more_url": reverse("referrals:inbox"),
        "order": order,
    }


@register_home
def referrals_awaiting(request):
    return _home_list(request, selectors.awaiting_answer, _("回答待ちの繋ぎ（自機関あて）"), 3)


@register_home
def referrals_overdue(request):
    return _home_list(request, selectors.overdue_for, _("回答期限を過ぎた繋ぎ"), 4)


@register_case_panel
def case_referrals(request, case):
    rows = selectors.referrals_for_case(case, request.user)
    can_change = _can(case, request.user, "change")
    if not rows and not can_change:
        return None
    mine = set(request.user.agency_ids)
    loggable = [r for r in rows if r.to_agency_id in mine and r.status in GRANTED_STATUSES]
    return {
        "title": _("繋ぎ"),
        "template": "referrals/case_panel.html",
        "context": {
            "referrals": rows,
            "case": case,
            "can_change": can_change,
            "loggable": loggable,
        },
        "order": 50,
    }


@register_case_links
def case_refer_link(request, case):
    if not _can(case, request.user, "change"):
        return []
    return [
        {"label": _("繋ぐ"), "url": reverse("referrals:referral_new") + f"?case={case.pk}"},
    ]

"""The rules every meeting write checks: open meetings only, the chair, the consent rule
of a consent-based table, and the meeting-scoped grant of a 支援会議's members."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Agency, Membership
from cases import sharing
from cases.choices import GrantBasis, GrantScope
from cases.models import Case
from households.models import Consent
from meetings.choices import MeetingStatus
from meetings.models import (
    Meeting,
)


class MeetingRuleError(ValidationError):
    """A refused action; the Japanese message says what is missing."""


def _names(agencies) -> str:
    return "、".join(a.name for a in agencies)


def require_open(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise MeetingRuleError(_("中止した会議は変更できません。"))
    if meeting.status == MeetingStatus.FINALISED:
        raise MeetingRuleError(
            _("議事録は確定済みです。変更は日付入りの追記として記録してください。")
        )


def meeting_date(meeting: Meeting) -> dt.date:
    return timezone.localtime(meeting.starts_at).date()


# ---------------------------------------------------------------- the consent rule


def attending_agencies(meeting: Meeting) -> set[Agency]:
    """Every agency at the table: organiser, members, user and external attendees."""
    agencies = {meeting.organising_agency}
    agencies |= {m.agency for m in meeting.members.select_related("agency")}
    agencies |= {a.agency for a in meeting.attendees.select_related("agency")}
    agencies |= {
        e.agency for e in meeting.external_attendees.select_related("agency") if e.agency_id
    }
    return agencies


def uncovered_agencies(case: Case, agencies) -> list[Agency]:
    """Agencies (other than the lead) that no valid consent of the household names."""
    missing = [a for a in agencies if not sharing.at_the_table(case, a)]
    return sorted(missing, key=lambda a: a.name)


def check_consent_rule(meeting: Meeting, case: Case, *, agencies=None) -> None:
    """Refuse a case on a consent-based meeting unless consent covers the agencies."""
    if not meeting.needs_consent:
        return
    kind = meeting.get_kind_display()
    has_consent = (
        Consent.objects.valid_on()
        .filter(person__household_memberships__household=case.household)
        .exists()
    )
    if not has_consent:
        raise MeetingRuleError(
            _(
                "「%(case)s」には有効な本人同意が記録されていないため、%(kind)sでは扱えません。"
                "世帯のページで本人同意を記録するか、同意のないまま情報共有が必要であれば"
                "支援会議で検討してください。"
            )
            % {"case": case.title, "kind": kind}
        )
    missing = uncovered_agencies(
        case, attending_agencies(meeting) if agencies is None else agencies
    )
    if missing:
        raise MeetingRuleError(
            _(
                "「%(case)s」を%(kind)sで扱うには、出席する機関すべてを共有先に含む"
                "有効な本人同意が必要です。本人同意に含まれていない機関: %(names)s。"
            )
            % {"case": case.title, "kind": kind, "names": _names(missing)}
        )


def check_new_agency(meeting: Meeting, agency: Agency | None) -> None:
    """A new agency at a consent-based table must be covered for every case on it."""
    if agency is None or not meeting.needs_consent:
        return
    for item in meeting.items.filter(case__isnull=False).select_related("case", "case__household"):
        # Only the newcomer is asked about: whether its agency is at the table for each
        # case (the lead, or named by a valid consent). Whether the case may stay on
        # the agenda at all is not this member's question.
        if uncovered_agencies(item.case, [agency]):
            raise MeetingRuleError(
                _(
                    "「%(case)s」を%(kind)sで扱っているため、本人同意に%(agency)sが含まれて"
                    "いないと構成員に加えられません。"
                )
                % {
                    "case": item.case.title,
                    "kind": meeting.get_kind_display(),
                    "agency": agency.name,
                }
            )


# ---------------------------------------------------------------- meeting-scoped grants


def grant_brief(*, actor, meeting: Meeting, case: Case, user) -> None:
    sharing.grant(
        case=case,
        user=user,
        basis=GrantBasis.MEETING,
        scope=GrantScope.MEETING_BRIEF,
        basis_object=meeting,
        actor=actor,
        note=_("%(kind)s（%(date)s）の構成員")
        % {"kind": meeting.get_kind_display(), "date": meeting_date(meeting).isoformat()},
    )


def check_chair(chair, agency: Agency) -> None:
    if not Membership.objects.filter(
        user=chair, agency=agency, is_active=True, user__is_active=True
    ).exists():
        raise MeetingRuleError(
            _("議長は主催機関（%(agency)s）の職員から選んでください。") % {"agency": agency.name}
        )


def delete_as(instance, actor) -> None:
    """Delete a historied row; its last history row names the actor."""
    instance._history_user = actor
    instance.delete()

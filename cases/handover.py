"""引継ぎ: a manager hands one case, or all of a worker's open cases, to another worker
of the same agency. Each case gets a 引継ぎ note on its timeline (a 支援経過 of kind
連絡調整・情報共有, so it is counted and shown like every other record) and the receiving
worker gets a reminder (in-app) for each case."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import log_action
from accounts.choices import CASE_ROLES, Role
from accounts.models import Membership
from cases import services
from cases.choices import OPEN_STATUSES, RecordKind
from cases.models import Case, Reminder
from cases.reminders import case_label


class HandoverRefused(Exception):
    """The handover the rules do not allow; the message says why (Japanese)."""


def manages(user, agency) -> bool:
    return Membership.objects.filter(
        user=user, agency=agency, role=Role.MANAGER, is_active=True, user__is_active=True
    ).exists()


def workers_of(agency):
    """Active members of the agency who may lead cases (the receivers a manager may pick)."""
    from accounts.models import User

    return (
        User.objects.filter(
            is_active=True,
            memberships__agency=agency,
            memberships__is_active=True,
            memberships__role__in=CASE_ROLES,
        )
        .distinct()
        .order_by("display_name", "pk")
    )


def open_cases_of(worker, agency):
    return (
        Case.objects.open()
        .filter(lead_staff=worker, lead_agency=agency)
        .select_related("household")
        .order_by("-risk_level", "opened_on", "pk")
    )


def handover_refusal(*, actor, agency, from_staff, to_staff, note: str) -> str:
    if not manages(actor, agency):
        return _("引継ぎができるのは、この機関の管理者だけです。")
    if to_staff is None or not workers_of(agency).filter(pk=to_staff.pk).exists():
        return _("引継ぎ先は、この機関の担当職員から選んでください。")
    if from_staff is not None and to_staff.pk == from_staff.pk:
        return _("引継ぎ元と引継ぎ先が同じです。")
    if not note.strip():
        return _("引継ぎの内容（メモ）を入力してください。")
    return ""


@transaction.atomic
def cases_hand_over(*, actor, agency, cases, to_staff, note: str, from_staff=None) -> int:
    """Make to_staff the lead staff of each open case of the agency in `cases`. Side
    effects per case: history row, action log cases.case.handed_over, a 引継ぎ support
    record on the timeline, a HANDOVER reminder to to_staff. Refused (nothing changes)
    when handover_refusal says so or a case is not the agency's open case."""
    refusal = handover_refusal(
        actor=actor, agency=agency, from_staff=from_staff, to_staff=to_staff, note=note
    )
    if refusal:
        raise HandoverRefused(refusal)
    cases = list(cases)
    if not cases or any(
        c.lead_agency_id != agency.pk or c.status not in OPEN_STATUSES for c in cases
    ):
        raise HandoverRefused(_("引継ぎできるのは、この機関の進行中のケースだけです。"))
    now = timezone.now()
    for case in cases:
        before = case.lead_staff
        services.case_update(actor=actor, case=case, lead_staff=to_staff)
        services.record_create(
            actor=actor,
            case=case,
            agency=agency,
            occurred_at=now,
            kind=RecordKind.COORDINATION,
            narrative=_("【引継ぎ】%(from)s → %(to)s\n%(note)s")
            % {"from": before or _("（未設定）"), "to": to_staff, "note": note.strip()},
        )
        log_action(actor=actor, action="cases.case.handed_over", obj=case, to=to_staff.pk)
        Reminder.objects.get_or_create(
            recipient=to_staff,
            kind=Reminder.Kind.HANDOVER,
            subject=f"case:{case.pk}",
            day=timezone.localdate(),
            defaults={
                "label": case_label(case.pk),
                "link": reverse("cases:case_detail", args=[case.pk]),
            },
        )
    return len(cases)

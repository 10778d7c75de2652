"""引継ぎ: a manager hands one case, or all of a worker's open cases, to another worker
of the same agency. Each case gets a 引継ぎ note on its timeline (a 支援経過 of kind
連絡調整・情報共有, so it is counted and shown like every other record) and the receiving
worker gets a reminder (in-app) for each case."""

from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import registry as account_registry
from accounts.audit import log_action
from accounts.choices import Role
from accounts.models import Membership
from accounts.selectors import case_workers_of
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


def open_cases_of(worker, agency):
    return (
        Case.objects.open()
        .filter(lead_staff=worker, lead_agency=agency)
        .select_related("household")
        .order_by("-risk_level", "opened_on", "pk")
    )


def caseload_of(agency) -> dict:
    """担当件数: each worker's open cases at agency, by status and by risk (one
    aggregate query). Rows: worker (None: no lead staff), total, statuses (list of
    counts in OPEN_STATUSES order), risks (in RiskLevel order, most urgent first)."""
    from accounts.models import User
    from cases.choices import CaseStatus, RiskLevel

    counts = (
        Case.objects.open()
        .filter(lead_agency=agency)
        .values_list("lead_staff_id", "status", "risk_level")
        .annotate(n=Count("pk"))
        .order_by()
    )
    risks = list(reversed(RiskLevel.values))
    table = {}
    for staff_id, status, risk, n in counts:
        row = table.setdefault(staff_id, {"total": 0, "status": {}, "risk": {}})
        row["total"] += n
        row["status"][status] = row["status"].get(status, 0) + n
        row["risk"][risk] = row["risk"].get(risk, 0) + n
    workers = {u.pk: u for u in User.objects.filter(pk__in=[k for k in table if k])}
    for worker in case_workers_of(agency):
        table.setdefault(worker.pk, {"total": 0, "status": {}, "risk": {}})
        workers[worker.pk] = worker
    rows = [
        {
            "worker": workers.get(staff_id),
            "total": row["total"],
            "statuses": [row["status"].get(s, 0) for s in OPEN_STATUSES],
            "risks": [row["risk"].get(r, 0) for r in risks],
        }
        for staff_id, row in table.items()
    ]
    rows.sort(key=lambda r: (-r["total"], str(r["worker"] or "")))
    return {
        "rows": rows,
        "status_labels": [CaseStatus(s).label for s in OPEN_STATUSES],
        "risk_labels": [RiskLevel(r).label for r in risks],
    }


def handover_refusal(*, actor, agency, from_staff, to_staff, note: str) -> str:
    if not manages(actor, agency):
        return _("引継ぎができるのは、この機関の管理者だけです。")
    if to_staff is None or not case_workers_of(agency).filter(pk=to_staff.pk).exists():
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


# ---------------------------------------------------------------- a worker leaving


def leaver_open_cases(user, agency=None):
    """The open cases user leads (at agency, or anywhere when agency is None)."""
    cases = Case.objects.open().filter(lead_staff=user)
    return cases.filter(lead_agency=agency) if agency is not None else cases


@account_registry.register_deactivation_guard
def open_cases_guard(*, user, agency):
    """A worker does not leave an agency (nor is their account deactivated) while
    they lead open cases there: hand them over first, or in the same step."""
    count = leaver_open_cases(user, agency).count()
    if not count:
        return None
    message = ngettext(
        "%(user)sさんは進行中のケースを%(count)d件担当しています。"
        "先に引継ぐか、引継ぎ先を選んで同時に引継いでください。",
        "%(user)sさんは進行中のケースを%(count)d件担当しています。"
        "先に引継ぐか、引継ぎ先を選んで同時に引継いでください。",
        count,
    ) % {"user": user, "count": count}
    return account_registry.Refusal(
        message=message,
        url=f"{reverse('cases:handover')}?worker={user.pk}",
        link_label=_("ケースの引継ぎ画面を開く"),
    )


@account_registry.register_successor_handover
def open_cases_to_successor(*, actor, user, agency, successor, note: str) -> int:
    """Hand all of user's open cases at agency to successor (accounts.services
    membership_end with a successor runs this inside its transaction)."""
    cases = list(open_cases_of(user, agency))
    if not cases:
        return 0
    try:
        return cases_hand_over(
            actor=actor, agency=agency, cases=cases, to_staff=successor, note=note, from_staff=user
        )
    except HandoverRefused as refused:
        raise account_registry.LeaverRefused(str(refused)) from refused


@account_registry.register_account_links
def daily_work_links(request, page: str) -> list[dict]:
    """The 職員 page links to 引継ぎ (its manager's) and both pages to the user's own
    reminder settings and calendar."""
    user = request.user
    links = []
    agency = user.primary_agency
    if page == "staff" and agency is not None and manages(user, agency):
        links.append({"label": _("ケースの引継ぎ・担当件数"), "url": reverse("cases:handover")})
    if user.works_on_cases:
        links.append({"label": _("リマインダーの設定"), "url": reverse("cases:reminder_settings")})
        links.append(
            {"label": _("カレンダーの購読（iCal）"), "url": reverse("cases:calendar_feed")}
        )
    return links

"""Writes for referrals (繋ぎ), their notifications and the partner's way to the desk.

One function per use case, atomic, naming the actor (STYLE 2). Access to the case is
given and taken only through cases.sharing; every refusal raises ReferralRefused with a
Japanese message and leaves the database unchanged.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from accounts.audit import log_action
from accounts.choices import CASE_ROLES
from accounts.models import Agency, User
from accounts.system import system_user as _accounts_system_user
from cases import services as case_services
from cases import sharing
from cases.choices import ExemptionReason, GrantBasis, Project, RecordKind
from cases.models import Case, CasePerson
from common.services import save_as
from common.wareki import format_date
from households.access import NoBasisToPassOn, households_visible_to, require_basis_to_pass_on
from households.models import Consent, Household
from intake.choices import CameFrom, Channel, ConsentAtIntake, Outcome, Urgency
from intake.models import Consultation, ConsultationCategoryLink
from referrals.choices import (
    GRANTED_STATUSES,
    OPEN_STATUSES,
    REFERRAL_SCOPES,
    TRANSITIONS,
    ReferralStatus,
    Side,
)
from referrals.models import Notification, Referral, ReferralEvent


class ReferralRefused(ValidationError):
    """A refused referral action; the message is Japanese and says what to do."""


def system_user() -> User:
    """The user the daily task acts as (username "system", inactive, no password), so
    history rows and the action log name a user. Kept in accounts.system, shared with
    the other apps' tasks."""
    return _accounts_system_user()


# ---------------------------------------------------------------- helpers


def sides_of(user, referral: Referral) -> set[str]:
    """Which ends of the referral the user works at (case workers only)."""
    if not (user and user.is_authenticated and user.is_active and user.works_on_cases):
        return set()
    sides = set()
    if referral.from_agency_id in user.agency_ids:
        sides.add(Side.SENDER)
    if referral.to_agency_id in user.agency_ids:
        sides.add(Side.RECEIVER)
    return sides


def agency_staff(agency: Agency):
    """Active case workers of the agency: who is told about its referrals."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__agency=agency,
            memberships__is_active=True,
            memberships__role__in=CASE_ROLES,
        )
        .distinct()
        .order_by("pk")
    )


def _referral_path(referral: Referral) -> str:
    return reverse("referrals:referral_detail", args=[referral.pk])


def notify(
    *,
    actor,
    users,
    verb: str,
    referral: Referral | None = None,
    link: str = "",
    email: bool = False,
):
    """In-app notices to users; with email=True also a mail (after commit) that holds
    only a generic sentence and the link, never personal data. verb must itself hold
    no personal data (agency names only): it is also the mail's subject."""
    if not link and referral is not None:
        link = _referral_path(referral)
    users = [u for u in users if u is not None and u.is_active]
    rows = []
    for user in users:
        rows.append(
            save_as(Notification(recipient=user, verb=verb, link=link, referral=referral), actor)
        )
    if email and users:
        from referrals.tasks import referrals_send_email_task

        user_ids = [u.pk for u in users if u.email]
        if user_ids:
            transaction.on_commit(
                lambda: referrals_send_email_task.delay(user_ids=user_ids, subject=verb, path=link)
            )
    return rows


def hidden_duplicate_notify(*, household_ids, agency: Agency, actor) -> list[Notification]:
    """Tell the lead of each 住所秘匿 household that another agency registered a person who
    may be one of its members (households.signals.hidden_duplicate_registered): the
    registering user was told nothing, so only the lead can resolve the duplicate.

    Recipients: the 主担当 of the household's open cases; with none open, the case
    workers of the agency that registered it; each only if households.access lets them
    open the household page the notice links to. The notice names the registering agency
    (no person, no household, nothing of the new record). In-app only: a mail subject
    must not say that a 住所秘匿 household exists."""
    rows = []
    for household in Household.objects.filter(pk__in=list(household_ids)).order_by("pk"):
        leads = [
            c.lead_staff
            for c in Case.objects.open().filter(household=household).select_related("lead_staff")
        ]
        if not leads:
            leads = list(agency_staff(household.registered_by_agency_id))
        users = [
            u
            for u in dict.fromkeys(leads)
            if households_visible_to(u).filter(pk=household.pk).exists()
        ]
        rows += notify(
            actor=actor,
            users=users,
            verb=_(
                "%(agency)sが、住所秘匿の世帯の世帯員と同じふりがな・生年月日の人を登録しました。"
                "同一人物かどうか確認してください。"
            )
            % {"agency": agency.name},
            link=reverse("households:detail", args=[household.pk]),
        )
    return rows


def _project_for(case: Case, day: dt.date) -> str:
    """② 多機関協働 while the case's collaboration runs, otherwise ① 包括的相談支援."""
    start, end = case.collaboration_started_on, case.collaboration_ended_on
    if start and start <= day and (end is None or end >= day):
        return Project.COLLABORATION
    return Project.COMPREHENSIVE


def _basis_refusal(agency: Agency) -> ReferralRefused:
    return ReferralRefused(
        _(
            "%(agency)sへ繋ぐには、%(agency)sを共有先に含む有効な本人同意が必要です。"
            "世帯のページで本人同意（共有先に%(agency)sを含めたもの）を記録してから選ぶか、"
            "法令上の例外の根拠と具体的な理由を記録してください。"
        )
        % {"agency": agency.name},
        code="no_basis",
    )


# ---------------------------------------------------------------- send


@transaction.atomic
def referral_send(
    *,
    actor,
    case: Case,
    to_agency: Agency,
    persons,
    reason: str,
    request: str,
    scope: str,
    consent=None,
    exemption_reason: str = "",
    exemption_note: str = "",
    sent_at=None,
    notify_receiver: bool = True,
) -> Referral:
    """The lead agency refers the case (the persons concerned) to another agency.

    sent_at records a referral already made (by phone, on paper) at that time; the
    answer date counts from it. It may not lie in the future. notify_receiver=False
    (a ledger import of a referral the receiver already answered) sends no notice.

    Refused unless the actor may change the case and the referral rests on a consent
    that covers the receiving agency or on a recorded legal exemption with its reason.
    Side effects: a status row 送付, a 繋ぎ support record of the sender, in-app notices
    and a mail (after commit) to the receiving agency's staff, action log.
    """
    if not sharing.can(actor, case, "change"):
        raise ReferralRefused(_("このケースを繋ぐことができるのは主担当機関の職員です。"))
    from_agency = case.lead_agency
    if from_agency.pk not in actor.agency_ids:
        raise ReferralRefused(_("このケースを繋ぐことができるのは主担当機関の職員です。"))
    if to_agency is None or not to_agency.is_active:
        raise ReferralRefused(_("繋ぎ先の機関を選んでください。"))
    if to_agency.pk == from_agency.pk:
        raise ReferralRefused(_("自機関には繋げません。別の機関を選んでください。"))
    if scope not in REFERRAL_SCOPES:
        raise ReferralRefused(_("開示範囲を選んでください。"))
    if not (reason or "").strip() or not (request or "").strip():
        raise ReferralRefused(_("繋ぐ理由と依頼したいことを入力してください。"))
    persons = list(dict.fromkeys(persons or []))
    if not persons:
        raise ReferralRefused(_("対象者を1人以上選んでください。"))
    on_case = set(
        CasePerson.objects.filter(case=case, person__in=persons).values_list("person_id", flat=True)
    )
    if any(p.pk not in on_case for p in persons):
        raise ReferralRefused(_("対象者はこのケースの世帯員から選んでください。"))
    if exemption_reason:
        if exemption_reason not in ExemptionReason.values:
            raise ReferralRefused(_("法令上の例外の根拠を選んでください。"))
        if not (exemption_note or "").strip():
            raise ReferralRefused(
                _("法令上の例外として繋ぐには、例外とする具体的な理由を記録してください。")
            )
        consent = None
    elif not sharing.consent_covers(consent, to_agency, case):
        raise _basis_refusal(to_agency)
    if Referral.objects.filter(case=case, to_agency=to_agency, status__in=OPEN_STATUSES).exists():
        raise ReferralRefused(
            _("このケースはすでに%(agency)sへ繋いでいます（未完了）。") % {"agency": to_agency.name}
        )
    now = timezone.now()
    if sent_at is not None:
        if sent_at > now:
            raise ReferralRefused(_("送付日時に未来の日時は指定できません。"))
        now = sent_at
    today = timezone.localdate(now)
    referral = Referral(
        case=case,
        from_agency=from_agency,
        from_staff=actor,
        to_agency=to_agency,
        reason=reason.strip(),
        request=request.strip(),
        scope=scope,
        consent=consent,
        exemption_reason=exemption_reason or "",
        exemption_note=(exemption_note or "").strip() if exemption_reason else "",
        status=ReferralStatus.SENT,
        sent_at=now,
        answer_due_on=today + dt.timedelta(days=settings.REFERRAL_ANSWER_DAYS),
    )
    save_as(referral, actor)
    referral.persons.set(persons)
    save_as(
        ReferralEvent(referral=referral, to_status=ReferralStatus.SENT, at=now, by=actor), actor
    )
    record = case_services.record_create(
        actor=actor,
        case=case,
        agency=from_agency,
        occurred_at=now,
        kind=RecordKind.REFERRAL,
        project=_project_for(case, today),
        narrative=_("%(agency)sへ繋ぎました。\n依頼したいこと: %(request)s")
        % {"agency": to_agency.name, "request": referral.request},
        persons=persons,
        by_referral=True,
    )
    referral.support_record = record
    save_as(referral, actor, update_fields=["support_record"])
    if notify_receiver:
        notify(
            actor=actor,
            users=agency_staff(to_agency),
            verb=_("%(agency)sから新しい繋ぎが届きました") % {"agency": from_agency.name},
            referral=referral,
            email=True,
        )
    log_action(
        actor=actor,
        action="referrals.referral.sent",
        obj=referral,
        case=case.pk,
        to_agency=to_agency.pk,
        scope=scope,
        exemption=bool(exemption_reason),
    )
    return referral


# ---------------------------------------------------------------- transitions


def _refuse_transition(referral: Referral, to_status: str) -> ReferralRefused:
    return ReferralRefused(
        _("「%(from)s」の繋ぎを「%(to)s」にはできません。")
        % {
            "from": ReferralStatus(referral.status).label,
            "to": ReferralStatus(to_status).label,
        },
        code="illegal_transition",
    )


def _grant_receiver(*, actor, referral: Referral):
    """Accepting opens the case to the receiving agency within the chosen scope."""
    try:
        if referral.exemption_reason:
            return sharing.grant(
                case=referral.case,
                agency=referral.to_agency,
                basis=GrantBasis.EXEMPTION,
                scope=referral.scope,
                actor=actor,
                exemption_reason=referral.exemption_reason,
                note=referral.exemption_note,
                basis_object=referral,
            )
        return sharing.grant(
            case=referral.case,
            agency=referral.to_agency,
            basis=GrantBasis.REFERRAL,
            scope=referral.scope,
            actor=actor,
            consent=referral.consent,
            basis_object=referral,
        )
    except sharing.SharingRefused as exc:
        raise ReferralRefused(str(exc)) from exc


def _step_moment(referral: Referral, on: dt.date | None) -> dt.datetime:
    """When a step happened: now, or for a step recorded later (on, a past day) the
    start of that day, never before the referral's previous step. A future day, or a
    day before the previous step, is refused (code "date": forms show it beside the
    date field)."""
    now = timezone.now()
    today = timezone.localdate(now)
    if on is None or on == today:
        return now
    if on > today:
        raise ReferralRefused(_("未来の日付は指定できません。"), code="date")
    previous = referral.events.aggregate(at=Max("at"))["at"] or referral.sent_at
    if on < timezone.localdate(previous):
        raise ReferralRefused(
            _("日付は前の手続きの日（%(date)s）より前にはできません。")
            % {"date": format_date(timezone.localdate(previous))},
            code="date",
        )
    return max(previous, timezone.make_aware(dt.datetime.combine(on, dt.time.min)))


@transaction.atomic
def referral_transition(
    *,
    actor,
    referral: Referral,
    to_status: str,
    note: str = "",
    system: bool = False,
    on: dt.date | None = None,
    notify_parties: bool = True,
) -> Referral:
    """Move a referral along the table in referrals.choices.TRANSITIONS.

    notify_parties=False (a ledger import recording steps taken long ago) tells
    nobody; everything else (grants, their ends, the event, the log) happens as usual.

    on is the day the step was taken (default today, at the present moment): history
    typed in later keeps its own days, and the statistics count each step in the month
    it happened (accepted_at, answered_at, ended_at and the ReferralEvent carry it).

    Refused when the move is not in the table, when the actor does not work at the
    side that may make it (unless system=True: the product itself ends a referral, e.g.
    on consent withdrawal), when 辞退 has no reason, or when accepting finds the basis
    gone. Side effects per target status:
    受理 grants the receiving agency the case in the chosen scope; 完了/取消 end that
    grant; the other side is notified; one ReferralEvent and an action log row.
    """
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("case", "from_agency", "to_agency", "from_staff", "consent")
        .get(pk=referral.pk)
    )
    side = TRANSITIONS.get((referral.status, to_status))
    if side is None:
        raise _refuse_transition(referral, to_status)
    if not system and side not in sides_of(actor, referral):
        if side == Side.RECEIVER:
            raise ReferralRefused(_("この操作は繋ぎ先の機関の職員だけが行えます。"))
        raise ReferralRefused(_("この操作は繋ぎ元の機関の職員だけが行えます。"))
    note = (note or "").strip()
    now = _step_moment(referral, on)
    previous = referral.status
    if to_status == ReferralStatus.DECLINED and not note:
        raise ReferralRefused(_("辞退の理由を入力してください。"))
    if to_status == ReferralStatus.ACCEPTED:
        if not referral.exemption_reason and not sharing.consent_covers(
            referral.consent, referral.to_agency, referral.case
        ):
            raise ReferralRefused(
                _(
                    "この繋ぎの根拠となる本人同意が有効ではありません（撤回・期限切れ）。"
                    "繋ぎ元の機関に連絡し、同意を記録し直してもらってください。"
                )
            )
        referral.answered_at = referral.accepted_at = now
    elif to_status == ReferralStatus.DECLINED:
        referral.answered_at = now
        referral.decline_reason = note
    elif to_status in (ReferralStatus.COMPLETED, ReferralStatus.CANCELLED):
        referral.ended_at = now
    if note and to_status in (
        ReferralStatus.ACCEPTED,
        ReferralStatus.IN_PROGRESS,
        ReferralStatus.COMPLETED,
    ):
        referral.response_note = note
    referral.status = to_status
    save_as(referral, actor)
    save_as(
        ReferralEvent(
            referral=referral,
            from_status=previous,
            to_status=to_status,
            at=now,
            by=actor,
            note=note,
        ),
        actor,
    )
    if to_status == ReferralStatus.ACCEPTED:
        _grant_receiver(actor=actor, referral=referral)
    elif to_status in (ReferralStatus.COMPLETED, ReferralStatus.CANCELLED):
        sharing.revoke_for_basis(
            basis_object=referral,
            actor=actor,
            reason=_("繋ぎの%(status)s") % {"status": ReferralStatus(to_status).label},
        )
    if notify_parties:
        _notify_transition(actor=actor, referral=referral, previous=previous)
    log_action(
        actor=actor,
        action=f"referrals.referral.{to_status}",
        obj=referral,
        case=referral.case_id,
        previous=previous,
        system=system,
        on=timezone.localdate(now).isoformat(),
    )
    return referral


def _notify_transition(*, actor, referral: Referral, previous: str) -> None:
    status = referral.status
    label = ReferralStatus(status).label
    if status == ReferralStatus.CANCELLED:
        if previous in (ReferralStatus.SENT, *GRANTED_STATUSES):
            notify(
                actor=actor,
                users=agency_staff(referral.to_agency),
                verb=_("%(agency)sからの繋ぎが取り消されました")
                % {"agency": referral.from_agency.name},
                referral=referral,
            )
        return
    if status == ReferralStatus.IN_PROGRESS:
        return
    notify(
        actor=actor,
        users=[referral.from_staff],
        verb=_("%(agency)sが繋ぎを%(status)sしました")
        % {"agency": referral.to_agency.name, "status": label},
        referral=referral,
    )


def referral_accept(*, actor, referral: Referral, note: str = "", on=None) -> Referral:
    return referral_transition(
        actor=actor, referral=referral, to_status=ReferralStatus.ACCEPTED, note=note, on=on
    )


def referral_decline(*, actor, referral: Referral, reason: str, on=None) -> Referral:
    return referral_transition(
        actor=actor, referral=referral, to_status=ReferralStatus.DECLINED, note=reason, on=on
    )


def referral_start(*, actor, referral: Referral, note: str = "", on=None) -> Referral:
    return referral_transition(
        actor=actor, referral=referral, to_status=ReferralStatus.IN_PROGRESS, note=note, on=on
    )


def referral_complete(*, actor, referral: Referral, note: str = "", on=None) -> Referral:
    return referral_transition(
        actor=actor, referral=referral, to_status=ReferralStatus.COMPLETED, note=note, on=on
    )


def referral_cancel(*, actor, referral: Referral, reason: str = "", on=None) -> Referral:
    return referral_transition(
        actor=actor, referral=referral, to_status=ReferralStatus.CANCELLED, note=reason, on=on
    )


@transaction.atomic
def referrals_end_for_consent(*, consent, actor) -> int:
    """The consent a referral rests on was withdrawn or expired: open referrals on it
    end (取消) at once. cases.sharing has already revoked the receiver's grant."""
    actor = actor or system_user()
    ended = 0
    for referral in Referral.objects.filter(consent=consent, status__in=OPEN_STATUSES):
        referral_transition(
            actor=actor,
            referral=referral,
            to_status=ReferralStatus.CANCELLED,
            note=_("本人同意が撤回されたため（または期限が切れたため）、繋ぎを終了しました。"),
            system=True,
        )
        ended += 1
    return ended


def referrals_end_for_lapsed_consents(*, actor=None, day: dt.date | None = None) -> int:
    """Daily: open referrals whose consent expired (no signal is sent for an expiry)
    or was withdrawn end as on withdrawal. Idempotent."""
    actor = actor or system_user()
    day = day or timezone.localdate()
    lapsed = (
        Referral.objects.open()
        .filter(consent__isnull=False)
        .filter(Q(consent__withdrawn_on__lte=day) | Q(consent__expires_on__lt=day))
        .values_list("consent", flat=True)
        .distinct()
    )
    ended = 0
    for consent in Consent.objects.filter(pk__in=list(lapsed)).order_by("pk"):
        ended += referrals_end_for_consent(consent=consent, actor=actor)
    return ended


# ---------------------------------------------------------------- records by the receiver


@transaction.atomic
def referral_record_create(
    *,
    actor,
    referral: Referral,
    occurred_at,
    kind: str,
    narrative: str,
    project: str | None = None,
    persons=(),
    minutes=None,
    referred_to: str = "",
):
    """The receiving agency logs its own support on the referred case, also when its
    scope (概要のみ) does not let it read the case's records. Refused unless the
    referral is accepted or in progress, the actor works at the receiving agency and
    the grant still stands."""
    referral = Referral.objects.select_related("case", "to_agency").get(pk=referral.pk)
    if Side.RECEIVER not in sides_of(actor, referral):
        raise ReferralRefused(_("支援経過を記録できるのは繋ぎ先の機関の職員です。"))
    if referral.status not in GRANTED_STATUSES:
        raise ReferralRefused(_("受理した繋ぎ（受理・対応中）にだけ支援経過を記録できます。"))
    if not sharing.agency_can_see(referral.to_agency, referral.case, "summary"):
        raise ReferralRefused(_("このケースへの共有は終了しています。"))
    allowed_persons = set(referral.persons.values_list("pk", flat=True))
    persons = list(persons or [])
    if any(p.pk not in allowed_persons for p in persons):
        raise ReferralRefused(_("対象者は繋ぎの対象者から選んでください。"))
    try:
        return case_services.record_create(
            actor=actor,
            case=referral.case,
            agency=referral.to_agency,
            occurred_at=occurred_at,
            kind=kind,
            narrative=narrative,
            project=project,
            persons=persons,
            minutes=minutes,
            referred_to=referred_to,
        )
    except case_services.CaseRuleError as exc:
        raise ReferralRefused(exc.messages[0], code=exc.code) from exc


# ---------------------------------------------------------------- overdue


@transaction.atomic
def referrals_mark_overdue(*, actor=None, today: dt.date | None = None) -> int:
    """Daily: referrals still unanswered after their answer date are marked overdue,
    once; both sides are told. Idempotent: a second run the same day marks nothing."""
    actor = actor or system_user()
    today = today or timezone.localdate()
    rows = list(
        Referral.objects.select_for_update(of=("self",))
        .filter(status=ReferralStatus.SENT, overdue_since__isnull=True, answer_due_on__lt=today)
        .select_related("from_agency", "to_agency", "from_staff")
        .order_by("pk")
    )
    for referral in rows:
        referral.overdue_since = today
        save_as(referral, actor, update_fields=["overdue_since"])
        notify(
            actor=actor,
            users=agency_staff(referral.to_agency),
            verb=_("回答期限を過ぎた繋ぎがあります（%(agency)sから）")
            % {"agency": referral.from_agency.name},
            referral=referral,
            email=True,
        )
        notify(
            actor=actor,
            users=[referral.from_staff],
            verb=_("%(agency)sへの繋ぎの回答期限が過ぎました")
            % {"agency": referral.to_agency.name},
            referral=referral,
        )
        log_action(actor=actor, action="referrals.referral.overdue", obj=referral)
    return len(rows)


# ---------------------------------------------------------------- notifications


@transaction.atomic
def notifications_mark_read(*, actor, notifications) -> int:
    """Mark the given notices of the actor read: one UPDATE and one bulk insert of
    history rows (simple-history's bulk helper), however many there are."""
    now = timezone.now()
    rows = [n for n in notifications if n.recipient_id == actor.pk and n.read_at is None]
    for notification in rows:
        notification.read_at = now
    if rows:
        bulk_update_with_history(rows, Notification, ["read_at"], default_user=actor)
    return len(rows)


# ---------------------------------------------------------------- to the desk


def desk_agencies():
    return Agency.objects.filter(is_desk=True, is_active=True).order_by("pk")


@transaction.atomic
def desk_referral_create(
    *,
    actor,
    from_agency: Agency,
    desk_agency: Agency,
    person_name: str,
    person_name_kana: str = "",
    person_birth_date: dt.date | None = None,
    person_contact: str = "",
    summary: str,
    wishes: str = "",
    categories=(),
    urgency: str = Urgency.NORMAL,
    consent_status: str = ConsentAtIntake.UNKNOWN,
    consent_on: dt.date | None = None,
    exemption_reason: str = "",
    exemption_note: str = "",
) -> Consultation:
    """A partner agency refers a person to the desk: a 相談受付 (関係機関から) that
    lands in the desk's intake queue (継続支援, no case yet).

    The person's name, birth date and contact pass to another agency, so the rule of a
    つなぐシート holds (households.access.require_basis_to_pass_on): the person's
    consent (consent_status 同意あり and its day) or a legal exemption with its reason,
    recorded on the consultation. Refused with ReferralRefused otherwise.

    The consultation is written through intake's models with save_as rather than
    intake.services.consultation_create, which records only for the actor's own
    agency (the partner is not a member of the desk). The partner does not see the
    desk's households, so the person is named in the 主訴 and the desk links the
    household when it takes the consultation up.
    Side effects: category links, in-app notices to the desk's staff, action log.
    """
    if from_agency is None or from_agency.pk not in actor.agency_ids or not actor.works_on_cases:
        raise ReferralRefused(_("所属している機関として送ってください。"))
    if desk_agency is None or not desk_agency.is_desk or not desk_agency.is_active:
        raise ReferralRefused(_("送り先の相談窓口を選んでください。"))
    if from_agency.is_desk:
        raise ReferralRefused(_("相談窓口から相談窓口へは送れません。相談受付を記録してください。"))
    if not (person_name or "").strip() or not (summary or "").strip():
        raise ReferralRefused(_("対象者の氏名と相談の内容を入力してください。"))
    categories = list(dict.fromkeys(categories or []))
    if not categories:
        raise ReferralRefused(_("相談内容を1つ以上選んでください。"))
    consent_given = consent_status == ConsentAtIntake.YES
    try:
        require_basis_to_pass_on(
            consent_given=consent_given,
            consent_on=consent_on,
            exemption_reason=exemption_reason,
            exemption_note=exemption_note,
        )
    except NoBasisToPassOn as exc:
        raise ReferralRefused(exc.messages[0], code=exc.code) from exc
    header = _("【対象者】%(name)s") % {"name": person_name.strip()}
    if person_name_kana:
        header += f"（{person_name_kana.strip()}）"
    if person_birth_date:
        header += " " + _("%(date)s生") % {"date": format_date(person_birth_date)}
    if person_contact:
        header += "\n" + _("【連絡先】%(contact)s") % {"contact": person_contact.strip()}
    consultation = Consultation(
        received_at=timezone.now(),
        channel=Channel.AGENCY,
        came_from=CameFrom.AGENCY,
        caller_name=str(actor),
        caller_relationship=_("%(agency)sの担当者") % {"agency": from_agency.name},
        caller_agency=from_agency,
        summary=f"{header}\n\n{summary.strip()}",
        wishes=(wishes or "").strip(),
        urgency=urgency,
        consent_status=consent_status,
        consent_on=consent_on if consent_given else None,
        exemption_reason=exemption_reason or "",
        exemption_note=(exemption_note or "").strip() if exemption_reason else "",
        outcome=Outcome.ONGOING,
        received_by=actor,
        agency=desk_agency,
    )
    save_as(consultation, actor)
    for index, category in enumerate(categories):
        save_as(
            ConsultationCategoryLink(
                consultation=consultation, category=category, is_primary=index == 0
            ),
            actor,
        )
    notify(
        actor=actor,
        users=agency_staff(desk_agency),
        verb=_("%(agency)sから相談が届きました") % {"agency": from_agency.name},
        link=reverse("intake:consultation_detail", args=[consultation.pk]),
        email=True,
    )
    log_action(
        actor=actor,
        action="intake.consultation.created",
        obj=consultation,
        via="referrals.to_desk",
        from_agency=from_agency.pk,
        exemption_reason=consultation.exemption_reason,
    )
    return consultation

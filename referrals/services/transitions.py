"""A referral's steps along referrals.choices.TRANSITIONS (grants on accept, their end on
completion or cancellation), the ends a lapsed consent forces, and overdue answers."""

import datetime as dt

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import log_action
from accounts.selectors import case_workers_of
from cases import sharing
from cases.choices import GrantBasis
from common.services import save_as
from common.wareki import format_date
from households.models import Consent
from referrals.choices import GRANTED_STATUSES, OPEN_STATUSES, TRANSITIONS, ReferralStatus, Side
from referrals.models import Referral, ReferralEvent
from referrals.services.notices import notify
from referrals.services.rules import ReferralRefused, sides_of, system_user


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
    """Accepting opens the case to the receiving agency within the chosen scope, on
    the referral's recorded legal exemption or else on its consent."""
    if referral.exemption_reason:
        basis = {
            "basis": GrantBasis.EXEMPTION,
            "exemption_reason": referral.exemption_reason,
            "note": referral.exemption_note,
        }
    else:
        basis = {"basis": GrantBasis.REFERRAL, "consent": referral.consent}
    try:
        return sharing.grant(
            case=referral.case,
            agency=referral.to_agency,
            scope=referral.scope,
            actor=actor,
            basis_object=referral,
            **basis,
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
                users=case_workers_of(referral.to_agency),
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
            users=case_workers_of(referral.to_agency),
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

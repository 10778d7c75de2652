"""The lead agency sends a referral, and the receiving agency logs its own support on the
referred case."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import log_action
from accounts.models import Agency
from accounts.selectors import case_workers_of
from cases import services as case_services
from cases import sharing
from cases.choices import ExemptionReason, RecordKind
from cases.models import Case, CasePerson
from common.services import save_as
from referrals.choices import GRANTED_STATUSES, OPEN_STATUSES, REFERRAL_SCOPES, ReferralStatus, Side
from referrals.models import Referral, ReferralEvent
from referrals.services.notices import notify
from referrals.services.rules import ReferralRefused, basis_refusal, project_for, sides_of


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
        raise basis_refusal(to_agency)
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
        project=project_for(case, today),
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
            users=case_workers_of(to_agency),
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

"""支援経過: writing a support record and its 訂正 (a record is never edited)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import log_action
from accounts.models import Agency
from cases import sharing
from cases.choices import RecordKind
from cases.models import Case, SupportRecord
from cases.services.rules import CaseRuleError
from common.corrections import check_history_token, check_reason, record_correction, snapshot
from common.services import save_as


@transaction.atomic
def record_create(
    *,
    actor,
    case: Case,
    agency,
    occurred_at,
    kind: str,
    narrative: str,
    project: str | None = None,
    persons=(),
    minutes=None,
    referred_to: str = "",
    by_referral: bool = False,
    staff=None,
    next_visit_on=None,
) -> SupportRecord:
    """Write a 支援経過 entry. The agency must be one the actor works for.

    staff is who did the work (対応者), default the actor; a ledger brought in by
    imports names another member of the agency (history still names the actor).

    A 繋ぎ is one act, counted once: a 繋ぎ to an agency in the system is sent as a
    referral, whose record referrals.services.referral_send writes (by_referral=True).
    A 繋ぎ typed by hand must name the agency outside the system it went to
    (referred_to); naming an agency registered in the system is refused."""
    if agency.pk not in actor.agency_ids:
        raise CaseRuleError(_("所属していない機関の記録は作成できません。"))
    if kind not in RecordKind.values:
        raise CaseRuleError(_("支援の種別を選んでください。"))
    referred_to = (referred_to or "").strip() if kind == RecordKind.REFERRAL else ""
    if kind == RecordKind.REFERRAL and not by_referral:
        refusal = hand_typed_referral_refusal(referred_to)
        if refusal:
            raise CaseRuleError(refusal, code="referred_to")
    record = SupportRecord(
        case=case,
        agency=agency,
        staff=staff or actor,
        occurred_at=occurred_at,
        kind=kind,
        narrative=narrative,
        minutes=minutes,
        referred_to=referred_to,
        next_visit_on=next_visit_on,
    )
    if next_visit_on and next_visit_on <= timezone.localtime(occurred_at).date():
        raise CaseRuleError(
            _("次回訪問予定日は、記録の日付より後の日にしてください。"), code="next_visit_on"
        )
    if project:
        record.project = project
    save_as(record, actor)
    record.persons.set(persons)
    log_action(actor=actor, action="cases.record.created", obj=record, kind=kind)
    return record


def hand_typed_referral_refusal(referred_to: str) -> str:
    """Why a hand-typed 繋ぎ cannot be recorded as given, or "" when it can."""
    name = (referred_to or "").strip()
    if not name:
        return _(
            "繋ぎを手入力で記録するには、繋いだ先（システムに登録されていない機関）を"
            "入力してください。登録されている機関へは、ケースの「繋ぐ」から送ってください"
            "（支援経過は自動で記録されます）。"
        )
    if Agency.objects.filter(name=name).exists():
        return _(
            "%(name)sはシステムに登録されている機関です。ケースの「繋ぐ」から送ってください"
            "（支援経過は自動で記録され、統計に1回だけ数えられます）。"
        ) % {"name": name}
    return ""


RECORD_CORRECTED_FIELDS = ("occurred_at", "kind", "project", "minutes", "narrative", "referred_to")


def _record_snapshot(record: SupportRecord, persons=None):
    persons = record.persons.all() if persons is None else persons
    names = "、".join(p.full_name for p in sorted(persons, key=lambda p: p.pk)) or "—"
    return snapshot(record, RECORD_CORRECTED_FIELDS, extra=[(_("対象者"), names)])


@transaction.atomic
def record_correct(
    *, actor, case: Case, record: SupportRecord, reason: str, expected_token, **fields
) -> SupportRecord:
    """訂正 of a support record (a record is final once written: there is no edit).

    Refused, with nothing saved, when the actor may not correct it (cases.sharing), the
    reason is empty, or someone saved the record after the form was loaded. Side effects:
    a history row naming the actor with the reason, a Correction row (before/after as
    shown), an action log. The statistics read the record as corrected."""
    if not sharing.can_correct_record(actor, case, record):
        raise CaseRuleError(_("この支援経過を訂正する権限がありません。"), code="denied")
    reason = check_reason(reason)
    check_history_token(record, expected_token)
    kind = fields.get("kind", record.kind)
    if kind not in RecordKind.values:
        raise CaseRuleError(_("支援の種別を選んでください。"), code="kind")
    referred_to = (fields.get("referred_to", record.referred_to) or "").strip()
    if kind != RecordKind.REFERRAL:
        referred_to = ""
    elif referred_to != record.referred_to or record.kind != RecordKind.REFERRAL:
        refusal = hand_typed_referral_refusal(referred_to)
        if refusal:
            raise CaseRuleError(refusal, code="referred_to")
    fields["referred_to"] = referred_to
    persons = fields.pop("persons", None)
    before = _record_snapshot(record)
    for name in RECORD_CORRECTED_FIELDS:
        if name in fields:
            setattr(record, name, fields[name])
    after = _record_snapshot(record, persons)
    if after == before:
        raise CaseRuleError(_("訂正する項目が変わっていません。"), code="unchanged")
    record._change_reason = _("訂正: %(reason)s") % {"reason": reason}
    save_as(record, actor)
    if persons is not None:
        record.persons.set(persons)
    record_correction(obj=record, actor=actor, reason=reason, before=before, after=after)
    log_action(actor=actor, action="cases.record.corrected", obj=record, kind=record.kind)
    return record

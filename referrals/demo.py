"""Demo referrals for 架空町, all through the services (so grants, records, events and
notifications exist): one in work at the 地域包括支援センター with its own 訪問, one
unanswered and overdue, one on a legal exemption waiting for 社協, one declined, and
a person 社協 referred to the desk."""

import datetime as dt

from django.utils import timezone

from cases import sharing
from cases.choices import ExemptionReason, GrantScope, RecordKind
from cases.models import Case
from common.demo import register
from intake.choices import ConsentAtIntake
from intake.models import ConsultationCategory
from referrals import services
from referrals.models import Referral


def _case(desk_agency, title):
    return Case.objects.filter(lead_agency=desk_agency, title=title).first()


def _persons(case):
    return [cp.person for cp in case.case_persons.select_related("person").order_by("role", "pk")]


@register(order=40)
def seed_referrals(context: dict) -> None:
    desk_agency = context.get("desk_agency")
    if desk_agency is None or Referral.objects.filter(from_agency=desk_agency).exists():
        return
    users, agencies = context["users"], context["agencies"]
    desk = users.get("soudan")
    houkatsu_user, shakyo_user = users.get("houkatsu"), users.get("shakyo")
    if desk is None:
        return
    now = timezone.now()

    def send(case, agency_key, *, days_ago, scope=GrantScope.SUMMARY, exemption=None, **text):
        agency = agencies.get(agency_key)
        if case is None or agency is None:
            return None
        consent = sharing.covering_consents(case, agency).first()
        if consent is None and exemption is None:
            return None
        return services.referral_send(
            actor=desk,
            case=case,
            to_agency=agency,
            persons=_persons(case)[:2],
            scope=scope,
            consent=consent if exemption is None else None,
            exemption_reason=exemption[0] if exemption else "",
            exemption_note=exemption[1] if exemption else "",
            sent_at=now - dt.timedelta(days=days_ago),
            **text,
        )

    double_care = _case(desk_agency, "ダブルケア世帯の支援")
    in_work = send(
        double_care,
        "houkatsu",
        days_ago=14,
        scope=GrantScope.RECORDS,
        reason="実母の介護で母親が疲れ切っている。介護保険のサービスを使えていない。",
        request="実母の要介護認定の申請と、ケアマネジャーの紹介をお願いしたい。",
    )
    if in_work is not None and houkatsu_user is not None:
        services.referral_accept(
            actor=houkatsu_user, referral=in_work, note="担当の社会福祉士が訪問します。"
        )
        services.referral_start(actor=houkatsu_user, referral=in_work)
        services.referral_record_create(
            actor=houkatsu_user,
            referral=in_work,
            occurred_at=now - dt.timedelta(days=10),
            kind=RecordKind.VISIT,
            narrative="自宅を訪問し、実母の状態と介護の状況を確認した。要介護認定の申請を代行した。",
            persons=_persons(double_care)[:1],
            minutes=60,
        )
    send(
        double_care,
        "kosodate",
        days_ago=12,
        reason="乳児の育児に不安がある。夜間に眠れていない。",
        request="乳児家庭への訪問と、一時預かりの案内をお願いしたい。",
    )
    send(
        _case(desk_agency, "一人暮らし高齢者の見守り"),
        "shakyo",
        days_ago=2,
        exemption=(
            ExemptionReason.LIFE,
            "外出が途絶え、食事がとれていない可能性がある。本人に連絡がつかず、同意を得る前に"
            "安否の確認が必要。",
        ),
        reason="民生委員から、一人暮らしの高齢者が外出しなくなったと連絡があった。",
        request="見守り活動（安否確認の訪問）をお願いしたい。",
    )
    declined = send(
        _case(desk_agency, "高橋さん世帯（8050）の支援"),
        "houkatsu",
        days_ago=30,
        reason="長男の通院先について相談したい。",
        request="長男の受診先の相談に乗ってほしい。",
    )
    if declined is not None and houkatsu_user is not None:
        services.referral_decline(
            actor=houkatsu_user,
            referral=declined,
            reason="長男の受診は当センターの対象外のため、障がい者相談支援センターをご案内ください。",
        )
    services.referrals_mark_overdue(actor=services.system_user())

    other = ConsultationCategory.objects.filter(is_active=True).order_by("order").first()
    if shakyo_user is not None and other is not None and agencies.get("shakyo") is not None:
        services.desk_referral_create(
            actor=shakyo_user,
            from_agency=agencies["shakyo"],
            desk_agency=desk_agency,
            person_name="架空 一郎",
            person_name_kana="カクウ イチロウ",
            person_birth_date=dt.date(1958, 9, 1),
            person_contact="090-0000-1234（日中）",
            summary="生活福祉資金の相談に来たが、借入れが多く家計全体の相談が必要と思われる。",
            wishes="家計を立て直したい。",
            categories=[other],
            consent_status=ConsentAtIntake.YES,
            consent_on=timezone.localdate() - dt.timedelta(days=1),
        )

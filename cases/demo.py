"""Demo cases for 架空町: consultations, cases, records, assessments and plans on the
notable households, all through the services (so grants and history exist)."""

import datetime as dt

from django.utils import timezone

from cases import services
from cases.choices import CasePersonRole, CaseStatus, GrantScope, RecordKind, ReviewOutcome
from cases.models import AssessmentIssue, Case
from common.demo import register
from households.models import Consent
from intake import services as intake_services
from intake.models import ConsultationCategory

# household key, case title, channel, came_from, categories (first is 主), summary, status
CASES = [
    (
        "8050",
        "高橋さん世帯（8050）の支援",
        "phone",
        "neighbour",
        ["介護", "ひきこもり・不登校", "収入・生活費"],
        "近所の人から、高齢の母の介護が行き届いていないようだと電話。同居の長男は長年ひきこもっている。",
        "plan",
    ),
    (
        "double_care",
        "ダブルケア世帯の支援",
        "desk",
        "self",
        ["子育て", "介護"],
        "乳児の育児と実母の介護が重なり、母親が疲れ切っている。",
        "records",
    ),
    (
        "debt",
        "多重債務の相談",
        "desk",
        "self",
        ["債務", "収入・生活費"],
        "消費者金融3社からの借入れの返済が滞っている。",
        "closed",
    ),
    (
        "dv",
        "DV避難世帯の支援",
        "agency",
        "agency",
        ["DV・虐待", "住まい", "子育て"],
        "配偶者からの暴力を逃れて転入。所在を秘匿する必要がある。",
        "records",
    ),
    (
        "young_carer",
        "ヤングケアラーの支援",
        "municipal",
        "municipal",
        ["家族との関係", "ひきこもり・不登校"],
        "中学校から、生徒が家族の世話で欠席がちとの連絡。",
        "assessment",
    ),
    (
        "elderly_alone",
        "一人暮らし高齢者の見守り",
        "visit",
        "minsei",
        ["病気や健康、障害", "地域との関係"],
        "民生委員から、一人暮らしの高齢者が外出しなくなったと連絡。",
        "received",
    ),
    (
        "single_parent",
        "ひとり親世帯の家計と就労",
        "phone",
        "self",
        ["収入・生活費", "仕事探し、就職", "子育て"],
        "離婚後、パート収入だけでは家賃が払えない。",
        "records",
    ),
]

NARRATIVES = {
    RecordKind.PHONE: "本人と電話で近況を確認した。",
    RecordKind.INTERVIEW: "窓口で面談し、困りごとを整理した。",
    RecordKind.VISIT: "自宅を訪問し、生活の様子を確認した。",
    RecordKind.ACCOMPANY: "関係機関の窓口へ同行した。",
    RecordKind.CASE_CONFERENCE: "関係機関とケース会議を行った。",
    RecordKind.COORDINATION: "関係機関と連絡調整を行い、情報を共有した。",
}


@register(order=20)
def seed_cases(context: dict) -> None:
    desk_agency = context["desk_agency"]
    if Case.objects.filter(lead_agency=desk_agency).exists():
        return
    users, agencies = context["users"], context["agencies"]
    desk, coordinator = users["soudan"], users["suishin"]
    rnd = context["random"]
    today = timezone.localdate()
    categories = {c.name: c for c in ConsultationCategory.objects.all()}
    issues = {i.name: i for i in AssessmentIssue.objects.all()}
    households = context.get("household_by_key", {})
    for index, (key, title, channel, came_from, cats, summary, stage) in enumerate(CASES):
        household = households.get(key)
        if household is None:
            continue
        members = [m.person for m in household.current_memberships().order_by("pk")]
        opened = today - dt.timedelta(days=200 - index * 25)
        received_at = timezone.make_aware(dt.datetime.combine(opened, dt.time(9 + index % 6, 15)))
        consultation = intake_services.consultation_create(
            actor=desk,
            agency=desk_agency,
            received_at=received_at,
            channel=channel,
            came_from=came_from,
            household=household,
            persons=members[:2],
            categories=[categories[c] for c in cats],
            primary_category=categories[cats[0]],
            summary=summary,
            outcome="ongoing",
            consent_status="yes" if stage in ("plan", "records") else "unknown",
        )
        case = services.case_open(
            actor=desk,
            household=household,
            lead_agency=desk_agency,
            lead_staff=desk if index % 2 == 0 else coordinator,
            title=title,
            opened_on=opened,
            consultation=consultation,
            persons=[(members[0], CasePersonRole.PRINCIPAL)]
            + [(p, CasePersonRole.MEMBER) for p in members[1:]],
            risk_level="high" if key in ("dv", "8050") else "medium",
        )
        if stage == "received":
            continue
        services.assessment_create(
            actor=desk,
            case=case,
            assessed_on=opened + dt.timedelta(days=7),
            household_overview=summary,
            issues=[
                issues[n]
                for n in ("8050", "社会的孤立", "ダブルケア", "ヤングケアラー", "多重債務", "DV")
                if n in issues and (n in title or n in summary)
            ],
        )
        kinds = list(NARRATIVES)
        for n in range(6 + index):
            day = opened + dt.timedelta(days=3 + n * 9)
            if day > today:
                break
            kind = kinds[rnd.randrange(len(kinds))]
            services.record_create(
                actor=desk,
                case=case,
                agency=desk_agency,
                kind=kind,
                narrative=NARRATIVES[kind],
                occurred_at=timezone.make_aware(dt.datetime.combine(day, dt.time(10 + n % 6, 0))),
                persons=members[:1],
                minutes=rnd.choice([10, 20, 30, 45, 60]),
            )
        case.refresh_from_db()
        consent = (
            Consent.objects.valid_on(today)
            .filter(person__in=members)
            .order_by("-obtained_on")
            .first()
        )
        if stage == "plan" and consent is not None:
            plan = services.plan_create(
                actor=desk,
                case=case,
                person_wishes="母は住み慣れた家で暮らし続けたい。長男は人と関わる練習から始めたい。",
                goals="母の介護サービスを整え、長男が週1回外出できるようになる。",
                review_on=today + dt.timedelta(days=10),
                roles=[
                    {
                        "concern": "母の介護",
                        "agency": agencies["houkatsu"],
                        "method": "要介護認定の更新とケアプランの調整",
                        "person": members[0],
                        "due_on": today + dt.timedelta(days=30),
                    },
                    {
                        "concern": "長男の社会参加",
                        "agency": desk_agency,
                        "method": "定期訪問と居場所の紹介",
                        "person": members[1] if len(members) > 1 else None,
                        "due_on": today + dt.timedelta(days=60),
                    },
                ],
            )
            services.plan_record_consent(actor=desk, plan=plan, consent=consent)
            services.plan_approve(actor=coordinator, plan=plan)
            plan.refresh_from_db()
            services.plan_review(
                actor=desk,
                plan=plan,
                reviewed_on=today - dt.timedelta(days=3),
                evaluation="介護サービスの利用が始まった。長男は訪問時に顔を見せるようになった。",
                outcome=ReviewOutcome.CONTINUE,
                next_review_on=today + dt.timedelta(days=10),
            )
        elif stage == "records" and consent is not None:
            for agency in consent.agencies.exclude(pk=desk_agency.pk):
                services.case_share(
                    actor=desk, case=case, agency=agency, scope=GrantScope.RECORDS, consent=consent
                )
        elif stage == "closed":
            services.case_transition(
                actor=desk,
                case=case,
                to_status=CaseStatus.SUPPORTING,
                on=opened + dt.timedelta(days=20),
            )
            services.case_transition(
                actor=desk,
                case=case,
                to_status=CaseStatus.CLOSED,
                on=min(today, opened + dt.timedelta(days=120)),
                close_reason_kind="goal_reached",
                reason="債務整理が終わり、家計が安定した。",
            )
    context["cases_seeded"] = True

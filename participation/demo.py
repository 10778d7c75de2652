"""Demo 参加支援 for 架空町: 参加先 found by the 推進員 (library shelving, farm work, a
café, a study room, a go club, a 居場所), the host visits that found them, and two
people on their way in, with 定着支援."""

import datetime as dt

from django.utils import timezone

from cases.models import Case
from common.demo import register
from households.models import District
from participation import services
from participation.choices import (
    FollowUpMethod,
    HostContactMethod,
    HostOutcome,
    OpportunityKind,
    PlacementStatus,
)
from participation.models import Opportunity

# name, kind, host, district code, days (0 = Monday), hours, capacity, conditions
OPPORTUNITIES = [
    ("町立図書館の配架ボランティア", OpportunityKind.VOLUNTEER, "架空町立図書館", "01", [1, 3],
     "10:00〜12:00", 3, "返却本を棚に戻す作業。人と話さずにできる。"),
    ("架空農園の農作業体験", OpportunityKind.AGRI_WELFARE, "有限会社 架空農園", "10", [0, 2, 4],
     "9:00〜12:00", 2, "雨天中止。送迎は相談に応じる。作業着貸出あり。"),
    ("社協カフェ「つむぎ」の就労体験", OpportunityKind.WORK_EXPERIENCE, "架空町社会福祉協議会",
     "01", [0, 1, 2, 3, 4], "10:00〜14:00", 2, "接客が苦手なら厨房の洗い場から。"),
    ("学習支援教室「まなびば」", OpportunityKind.LEARNING, "NPO法人 架空まなびネット", "03", [5],
     "13:00〜16:00", 10, "小中学生の学び直し。大学生ボランティアが付く。"),
    ("公民館の囲碁クラブ", OpportunityKind.HOBBY, "東町公民館", "02", [2], "13:30〜16:00", None,
     "初心者歓迎。"),
    ("みんなの居場所「ひだまり」", OpportunityKind.PLACE, "NPO法人 ひだまり", "07", [1, 2, 3, 4, 5],
     "11:00〜17:00", 15, "予約不要。何もしなくてよい場所。"),
]  # fmt: skip


def _case(context, key):
    household = context.get("household_by_key", {}).get(key)
    if household is None:
        return None, []
    members = [m.person for m in household.current_memberships().order_by("pk")]
    return Case.objects.filter(household=household).order_by("pk").first(), members


@register(order=60)
def seed_participation(context: dict) -> None:
    if Opportunity.objects.exists():
        return
    users = context["users"]
    desk, coordinator = users["soudan"], users["suishin"]
    today = timezone.localdate()
    districts = {d.code: d for d in District.objects.all()}
    created = {}
    for name, kind, host, code, days, hours, capacity, conditions in OPPORTUNITIES:
        created[name] = services.opportunity_create(
            actor=coordinator,
            name=name,
            kind=kind,
            host_name=host,
            district=districts.get(code),
            days=days,
            hours=hours,
            capacity=capacity,
            conditions=conditions,
        )

    services.host_log_create(
        actor=coordinator,
        contacted_on=today - dt.timedelta(days=120),
        organisation="有限会社 架空農園",
        method=HostContactMethod.VISIT,
        outcome=HostOutcome.ACCEPTING,
        outcome_note="人手不足。短時間でも来てくれるなら助かる、と社長。",
        opportunity=created["架空農園の農作業体験"],
    )
    services.host_log_create(
        actor=coordinator,
        contacted_on=today - dt.timedelta(days=30),
        organisation="架空町商工会",
        method=HostContactMethod.HEARING,
        outcome=HostOutcome.CONSIDERING,
        outcome_note="会員事業所に就労体験の受入れを呼びかけてもらえることになった。",
        next_step="商工会報に募集記事を載せる。",
        next_on=today + dt.timedelta(days=14),
    )
    services.host_log_create(
        actor=desk,
        contacted_on=today - dt.timedelta(days=10),
        organisation="架空スーパー 本町店",
        method=HostContactMethod.PHONE,
        outcome=HostOutcome.DIFFICULT,
        outcome_note="今年度は人員に余裕がなく難しい。来年度に改めて相談。",
    )

    # 悠斗 (reached through outreach) to the farm: trial, then settled.
    case, members = _case(context, "neet")
    if members:
        yuto = members[-1]
        placement = services.placement_create(
            actor=desk,
            person=yuto,
            opportunity=created["架空農園の農作業体験"],
            case=case,
            coordinating_on=today - dt.timedelta(days=40),
            note="朝が苦手。午前中の短時間から。",
        )
        # Each step (days ago), then the follow-up after it (days ago, method, note).
        steps = [
            (30, PlacementStatus.TRIAL, 23, FollowUpMethod.HOST_COORDINATION,
             "農園の方から「丁寧に作業してくれる」。週3回に増やしてよいとのこと。"),
            (10, PlacementStatus.SETTLED, 3, FollowUpMethod.INTERVIEW,
             "本人「朝起きられるようになった」。次は就労体験も考えたい。"),
        ]  # fmt: skip
        for step_days, status, follow_days, method, note in steps:
            services.placement_transition(
                actor=desk,
                placement=placement,
                to_status=status,
                on=today - dt.timedelta(days=step_days),
            )
            services.follow_up_create(
                actor=desk,
                placement=placement,
                followed_on=today - dt.timedelta(days=follow_days),
                method=method,
                note=note,
            )

    # 健一 of the 8050 household to the 居場所, still being arranged.
    case, members = _case(context, "8050")
    if case is not None and len(members) > 1:
        services.placement_create(
            actor=desk,
            person=members[1],
            opportunity=created["みんなの居場所「ひだまり」"],
            case=case,
            coordinating_on=today - dt.timedelta(days=5),
            note="人の多い時間は避けたい。最初は職員が同行する。",
        )

"""Demo 地域づくり for 架空町: サロン, 子ども食堂, 通いの場, a 支え愛連絡会 and the 協議体,
with three months of activities counted by age band, and 地域課題 raised from cases
(as counts) and from residents."""

import datetime as dt

from django.utils import timezone

from common.demo import register
from community import services
from community.choices import IssueSource, IssueStatus, ResourceKind
from community.models import CommunityResource
from households.models import District

# name, kind, district code, organiser, place, schedule, (children, youth, middle, elderly,
# volunteers) per meeting, days between meetings
RESOURCES = [
    ("本町ふれあいサロン", ResourceKind.SALON, "01", "本町区自治会", "本町公民館",
     "毎月第2水曜 10時〜12時", (3, 0, 2, 16, 4), 28),
    ("みんなの子ども食堂", ResourceKind.CHILDREN_CAFETERIA, "07", "NPO法人 ひだまり",
     "駅前コミュニティセンター", "毎週金曜 17時〜19時", (24, 3, 6, 5, 8), 7),
    ("東町いきいき百歳体操", ResourceKind.GATHERING, "02", "東町老人クラブ", "東町集会所",
     "毎週火曜 9時半〜", (0, 0, 1, 18, 2), 7),
    ("西町地域食堂", ResourceKind.COMMUNITY_CAFETERIA, "03", "西町まちづくり協議会", "西町団地集会所",
     "毎月第1・第3日曜 昼", (8, 4, 7, 15, 6), 14),
    ("山手地区 支え愛連絡会", ResourceKind.MUTUAL_AID_NETWORK, "10", "山手地区民生委員協議会",
     "山手出張所", "隔月 第4木曜", (0, 0, 4, 6, 0), 60),
    ("第2層協議体（架空町生活支援体制整備）", ResourceKind.COUNCIL, None, "架空町社会福祉協議会",
     "保健福祉センター", "2か月に1回", (0, 1, 6, 5, 0), 60),
]  # fmt: skip


@register(order=70)
def seed_community(context: dict) -> None:
    if CommunityResource.objects.exists():
        return
    users = context["users"]
    desk, coordinator = users["soudan"], users["suishin"]
    recorder = users.get("shakyo") or desk
    rnd = context["random"]
    today = timezone.localdate()
    districts = {d.code: d for d in District.objects.all()}
    for name, kind, code, organiser, place, schedule, counts, every in RESOURCES:
        resource = services.resource_create(
            actor=desk,
            name=name,
            kind=kind,
            district=districts.get(code),
            organiser=organiser,
            place=place,
            schedule=schedule,
            started_on=today - dt.timedelta(days=700),
        )
        day = today - dt.timedelta(days=90)
        while day <= today:
            children, youth, middle, elderly, volunteers = (
                max(0, n + rnd.randint(-2, 2)) if n else 0 for n in counts
            )
            services.activity_create(
                actor=recorder,
                resource=resource,
                held_on=day,
                children=children,
                youth=youth,
                middle_aged=middle,
                elderly=max(elderly, 1),
                volunteers=volunteers,
            )
            day += dt.timedelta(days=every)

    moving = services.issue_create(
        actor=coordinator,
        title="買い物・通院の移動手段がない高齢者",
        description="路線バスの減便で、山手地区の高齢者が通院や買い物に行けなくなっている。",
        district=districts.get("10"),
        source=IssueSource.CASES,
        case_count=4,
        raised_on=today - dt.timedelta(days=80),
    )
    for to_status, days, note in [
        (IssueStatus.DISCUSSING, 60, "第2層協議体で共有。移動販売と乗り合い送迎の可能性を検討。"),
        (IssueStatus.ACTING, 20, "移動販売車が月2回、山手出張所に来ることになった。"),
    ]:
        services.issue_transition(
            actor=coordinator,
            issue=moving,
            to_status=to_status,
            on=today - dt.timedelta(days=days),
            note=note,
        )
    gap = services.issue_create(
        actor=coordinator,
        title="制度の狭間: 40代以上のひきこもりの相談先",
        description="若者サポートステーションの対象年齢を超える人の相談先と居場所が町内にない。",
        source=IssueSource.MEETING,
        case_count=3,
        raised_on=today - dt.timedelta(days=45),
    )
    services.issue_action_add(
        actor=coordinator,
        issue=gap,
        taken_on=today - dt.timedelta(days=30),
        description="重層的支援会議で報告。居場所「ひだまり」に年齢を問わない受入れを相談。",
    )
    info = services.issue_create(
        actor=desk,
        title="外国籍住民にごみ出しのルールが伝わっていない",
        description="川辺地区で、ごみ出しをめぐる近隣トラブルが続いた。",
        district=districts.get("09"),
        source=IssueSource.RESIDENTS,
        raised_on=today - dt.timedelta(days=120),
    )
    services.issue_transition(
        actor=desk,
        issue=info,
        to_status=IssueStatus.RESOLVED,
        on=today - dt.timedelta(days=40),
        note="やさしい日本語とベトナム語のごみ出しカレンダーを作り、自治会と配布した。",
    )

"""Demo アウトリーチ for 架空町: a 世帯訪問調査 of 本町 and 東町 visited by 社協 and the
地域包括支援センター, the household it flagged, a neighbour's worry about someone
without a name yet, and a son the 税務課 noticed, who is now on a case. All through the
services, so history, action logs and 支援経過 exist."""

import datetime as dt

from django.utils import timezone

from cases.models import Case
from common.demo import register
from households.models import District
from outreach import services
from outreach.choices import ContactMethod, TargetSource, TargetStatus, VisitResult
from outreach.models import OutreachTarget, VisitCampaign


def _contacts(actor, target, today, rows) -> None:
    """rows: (days ago, method, result, other fields of the contact), oldest first."""
    for days, method, result, details in rows:
        services.contact_create(
            actor=actor,
            target=target,
            contacted_on=today - dt.timedelta(days=days),
            method=method,
            result=result,
            **details,
        )


@register(order=50)
def seed_outreach(context: dict) -> None:
    desk_agency = context["desk_agency"]
    if VisitCampaign.objects.exists() or OutreachTarget.objects.exists():
        return
    users, agencies = context["users"], context["agencies"]
    desk, coordinator = users["soudan"], users["suishin"]
    households = context.get("household_by_key", {})
    today = timezone.localdate()

    # 世帯訪問調査 of 本町 (01) and 東町 (02).
    districts = list(District.objects.filter(code__in=["01", "02"]))
    visiting = [agencies[k] for k in ("shakyo", "houkatsu") if k in agencies]
    if districts and visiting:
        campaign = services.campaign_create(
            actor=coordinator,
            name="本町・東町 世帯訪問調査（民生委員・社協・包括合同）",
            districts=districts,
            starts_on=today - dt.timedelta(days=40),
            ends_on=today + dt.timedelta(days=50),
            visiting_agencies=visiting,
            note="75歳以上のみの世帯を中心に、民生委員と2人1組で訪問する。",
        )
        visitor = users.get("shakyo") or desk
        flagged = households.get("yamada")
        results = [VisitResult.MET, VisitResult.ABSENT, VisitResult.MET, VisitResult.ABSENT]
        for n, visit in enumerate(campaign.visits.order_by("pk")[:8]):
            day = today - dt.timedelta(days=30 - n * 3)
            if flagged is not None and visit.household_id == flagged.pk:
                result, note = (
                    VisitResult.CONCERN,
                    "夫婦とも足腰が弱り、買い物に行けていない様子。冷蔵庫がほぼ空だった。",
                )
            else:
                result, note = results[n % len(results)], ""
            services.visit_record(
                actor=visitor, visit=visit, result=result, visited_on=day, note=note
            )
        services.campaign_flagged_to_targets(actor=desk, campaign=campaign)

    # A neighbour's worry about someone whose name nobody knows yet.
    someone = services.target_create(
        actor=desk,
        assigned_agency=desk_agency,
        source=TargetSource.NEIGHBOUR,
        source_detail="向かいの住人から電話",
        description="駅前のアパート2階に住む60代くらいの男性",
        district=District.objects.filter(code="07").first(),
        concern="夜中に大きな声が聞こえる。日中はカーテンが閉まったままで、ごみが出されていない。",
        found_on=today - dt.timedelta(days=21),
    )
    _contacts(
        desk,
        someone,
        today,
        [
            (
                18,
                ContactMethod.LETTER,
                "相談窓口の案内と、訪問したい旨の手紙をポストに入れた。",
                {"next_step": "1週間後に訪問する。", "next_on": today - dt.timedelta(days=11)},
            ),
            (
                11,
                ContactMethod.VISIT,
                "インターホン越しに短く話せた。「困っていない」とのこと。",
                {
                    "companions": "民生委員",
                    "reached": True,
                    "next_step": "月1回、民生委員と声かけを続ける。",
                },
            ),
        ],
    )
    services.target_transition(actor=desk, target=someone, to_status=TargetStatus.BUILDING)

    # The 税務課 noticed a son at home; the desk reached him and opened a case.
    neet = households.get("neet")
    if neet is not None:
        members = [m.person for m in neet.current_memberships().order_by("pk")]
        son = members[-1] if members else None
        target = services.target_create(
            actor=desk,
            assigned_agency=desk_agency,
            source=TargetSource.OTHER_DEPARTMENT,
            source_detail="税務課（納税相談の際に母親から）",
            household=neet,
            person=son,
            concern="大学中退後、数年間ほとんど外出していない。本人は相談を望んでいない。",
            found_on=today - dt.timedelta(days=90),
        )
        reached = {"reached": True}
        _contacts(
            desk,
            target,
            today,
            [
                (85, ContactMethod.PHONE, "母親と電話で話した。本人には会えていない。", {}),
                (
                    70,
                    ContactMethod.VISIT,
                    "本人が玄関まで出てきた。ゲームの話ならできる。",
                    reached,
                ),
                (
                    50,
                    ContactMethod.VISIT,
                    "本人と30分話した。「何か役に立ちたい」と話す。",
                    reached,
                ),
            ],
        )
        if son is not None and not Case.objects.filter(household=neet).exists():
            target = services.target_connect_case(
                actor=desk,
                target=target,
                title="斎藤悠斗さんの社会参加",
                principal=son,
                opened_on=today - dt.timedelta(days=45),
            )
            _contacts(
                desk,
                target,
                today,
                [(40, ContactMethod.ACCOMPANY, "本人と農園の見学に同行した。", reached)],
            )

    # An elderly woman living alone, followed by the 地域包括支援センター.
    alone, houkatsu = households.get("elderly_alone"), users.get("houkatsu")
    if alone is not None and houkatsu is not None and "houkatsu" in agencies:
        target = services.target_create(
            actor=houkatsu,
            assigned_agency=agencies["houkatsu"],
            source=TargetSource.WELFARE_VOLUNTEER,
            source_detail="山手地区の民生委員",
            household=alone,
            concern="同じ話を繰り返し、火の不始末が心配。介護サービスは拒んでいる。",
            found_on=today - dt.timedelta(days=60),
        )
        _contacts(
            houkatsu,
            target,
            today,
            [
                (
                    55,
                    ContactMethod.VISIT,
                    "お茶を飲みながら世間話ができた。サービスの話には乗らない。",
                    {
                        "companions": "民生委員",
                        "reached": True,
                        "next_step": "サロンへの同行を提案する。",
                    },
                )
            ],
        )
        services.target_transition(actor=houkatsu, target=target, to_status=TargetStatus.WATCHING)

"""Demo meetings for 架空町: a finalised 支援会議 about households not yet consenting, a
重層的支援会議 on consented cases, a 関係各課担当者会議 on policy topics, and two
meetings still to come. All through the services, so grants and history exist."""

import datetime as dt

from django.utils import timezone

from cases.models import Case
from common.demo import register
from meetings import services
from meetings.choices import Decision, MeetingKind, Topic
from meetings.models import Meeting


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _case(context, key):
    household = context.get("household_by_key", {}).get(key)
    if household is None:
        return None
    return Case.objects.filter(household=household).order_by("pk").first()


def _member(meeting, actor, user, agency, *, acknowledge=True, attend=True):
    if user is None or agency is None:
        return
    member = services.member_add(actor=actor, meeting=meeting, user=user, agency=agency)
    if acknowledge:
        services.member_acknowledge(actor=user, member=member)
    if attend:
        services.attendance_set(actor=actor, meeting=meeting, user=user, attended=True)


def _item(meeting, actor, **fields):
    try:
        return services.agenda_item_add(actor=actor, meeting=meeting, **fields)
    except services.MeetingRuleError:
        return None  # the case's consent in this demo does not allow it


def _meeting(context, actor, kind, title, starts_at, place, ends_at=None):
    return services.meeting_create(
        actor=actor,
        kind=kind,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        chair=context["users"]["suishin"],
        organising_agency=context["desk_agency"],
    )


def _case_discussed(meeting, actor, case, *, brief, discussion, decisions, role=None, **minutes):
    """A case on the agenda with its minutes and, when role is (agency, task, due_on),
    the 役割分担 that followed."""
    if case is None:
        return
    item = _item(meeting, actor, topic=Topic.CASE, case=case, brief=brief)
    if item is None:
        return
    services.minutes_save(
        actor=actor, item=item, discussion=discussion, decisions=decisions, **minutes
    )
    if role is not None:
        agency, task, due_on = role
        services.role_assign(actor=actor, item=item, agency=agency, task=task, due_on=due_on)


@register(order=40)
def seed_meetings(context: dict) -> None:
    desk_agency = context["desk_agency"]
    if Meeting.objects.filter(organising_agency=desk_agency).exists():
        return
    users, agencies = context["users"], context["agencies"]
    desk, coordinator = users["soudan"], users["suishin"]
    houkatsu, shakyo, zeimu = users.get("houkatsu"), users.get("shakyo"), users.get("zeimu")
    today = timezone.localdate()

    # 支援会議 a month ago: cases without consent, members bound by 守秘義務.
    month_ago = today - dt.timedelta(days=30)
    support = _meeting(
        context,
        desk,
        MeetingKind.SUPPORT_MEETING,
        "第3回 支援会議",
        _at(month_ago, 14),
        "役場本庁舎2階 小会議室",
        ends_at=_at(month_ago, 15, 30),
    )
    _member(support, desk, houkatsu, agencies.get("houkatsu"))
    _member(support, desk, shakyo, agencies.get("shakyo"))
    _member(support, desk, zeimu, agencies.get("zeimu"))
    _case_discussed(
        support,
        desk,
        _case(context, "young_carer"),
        brief="中学2年の長女が祖母の介護と弟の世話で欠席がち。本人・家族とも支援を求めていない。",
        discussion="学校からの情報と包括の訪問記録を共有。祖母の介護サービス利用が途切れている。",
        decisions="包括が祖母の介護保険の利用状況を確認する。窓口は学校と面談日を調整する。",
        next_review_on=today + dt.timedelta(days=14),
        role=(
            (
                agencies["houkatsu"],
                "祖母の介護保険サービスの利用状況を確認し、ケアマネと調整する",
                today + dt.timedelta(days=7),
            )
            if houkatsu is not None
            else None
        ),
    )
    _case_discussed(
        support,
        desk,
        _case(context, "elderly_alone"),
        brief="民生委員から、一人暮らしの男性が外出しなくなったとの連絡。町税の滞納もある。",
        discussion="税務課から納税相談の経過を共有。社協のサロンへの誘いを検討。",
        decisions="社協が民生委員と訪問し、サロンを紹介する。",
        role=(
            (
                agencies["shakyo"],
                "民生委員と自宅を訪問し、ふれあいサロンを紹介する",
                today + dt.timedelta(days=10),
            )
            if shakyo is not None
            else None
        ),
    )
    services.meeting_finalise(actor=coordinator, meeting=support)

    # 重層的支援会議 ten days ago: consented cases only.
    multilayer = _meeting(
        context,
        desk,
        MeetingKind.MULTILAYER_MEETING,
        "第5回 重層的支援会議",
        _at(today - dt.timedelta(days=10), 10),
        "保健福祉センター 研修室",
    )
    _member(multilayer, desk, houkatsu, agencies.get("houkatsu"))
    for key, decision, text in (
        (
            "8050",
            Decision.EVALUATION,
            "介護サービスが始まり、長男も訪問時に顔を見せるようになった。",
        ),
        ("double_care", Decision.SUPPORT_DECISION, "子育てと介護の両面から支援を始める。"),
    ):
        case = _case(context, key)
        if case is None:
            continue
        item = _item(multilayer, desk, topic=Topic.CASE, case=case, brief=text)
        if item is None:
            continue
        services.minutes_save(
            actor=desk, item=item, discussion=text, decisions="プランの方向性を確認した。"
        )
        services.agenda_item_decide(actor=coordinator, item=item, decision=decision)
    services.meeting_finalise(actor=coordinator, meeting=multilayer)

    # 関係各課担当者会議: policy topics (制度の狭間, 相談体制).
    liaison = _meeting(
        context,
        coordinator,
        MeetingKind.DEPARTMENT_LIAISON,
        "関係各課担当者会議（月例）",
        _at(today - dt.timedelta(days=20), 15),
        "役場本庁舎3階 第1会議室",
    )
    _member(liaison, coordinator, zeimu, agencies.get("zeimu"))
    gap = services.agenda_item_add(
        actor=coordinator,
        meeting=liaison,
        topic=Topic.SYSTEM_GAP,
        title="ゴミ屋敷状態の世帯への支援",
        brief="どの制度にも当てはまらない世帯への関わり方を整理する。",
    )
    services.minutes_save(
        actor=coordinator,
        item=gap,
        discussion="環境衛生担当と福祉の役割分担が曖昧。本人の同意がない段階での関わり方が課題。",
        decisions="支援会議の活用を各課に周知する。",
    )
    services.agenda_item_add(
        actor=coordinator,
        meeting=liaison,
        topic=Topic.CONSULTATION_SYSTEM,
        title="横断的な相談対応の手順",
        brief="各課の窓口で複合的な相談を受けたときのつなぎ方。",
    )
    services.meeting_finalise(actor=coordinator, meeting=liaison)

    # Still to come.
    upcoming = _meeting(
        context,
        desk,
        MeetingKind.SUPPORT_MEETING,
        "第4回 支援会議",
        _at(today + dt.timedelta(days=7), 14),
        "役場本庁舎2階 小会議室",
    )
    _member(upcoming, desk, houkatsu, agencies.get("houkatsu"), acknowledge=False, attend=False)
    dv = _case(context, "dv")
    if dv is not None:
        _item(
            upcoming,
            desk,
            topic=Topic.CASE,
            case=dv,
            brief="転入した母子の見守り体制。所在は秘匿のまま、関係機関の役割を確認したい。",
        )
    _meeting(
        context,
        desk,
        MeetingKind.MULTILAYER_MEETING,
        "第6回 重層的支援会議",
        _at(today + dt.timedelta(days=14), 10),
        "保健福祉センター 研修室",
    )

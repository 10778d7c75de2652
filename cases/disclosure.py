"""The disclosure (開示請求) sections of cases and intake: consultations, つなぐシート,
cases, assessments, support records, plans and the files attached to the consultations and
cases about one person. Registered with
households.disclosure from CasesConfig.ready() (cases may read intake; DESIGN)."""

from django.db.models import Q
from django.utils.translation import gettext as _

from cases.models import (
    Assessment,
    Case,
    CaseAttachment,
    CasePerson,
    SupportPlan,
    SupportRecord,
)
from households.disclosure import (
    ATTACHMENTS_NOTE,
    Item,
    Section,
    attachment_item,
    fmt_date,
    iso,
    register_disclosure,
)
from intake.choices import CameFrom
from intake.models import ConnectSheet, Consultation, ConsultationAttachment


def subject_consultations(ctx):
    if "consultation_ids" not in ctx.cache:
        ctx.cache["consultation_ids"] = set(
            Consultation.objects.filter(persons__id__in=ctx.person_ids).values_list("pk", flat=True)
        )
    return ctx.cache["consultation_ids"]


def subject_case_ids(ctx) -> set[int]:
    """The cases about the person: those naming them, and those their consultations
    were taken into. Other apps' providers (meetings, referrals) ask this too."""
    if "case_ids" not in ctx.cache:
        ctx.cache["case_ids"] = set(
            Case.objects.filter(
                Q(case_persons__person_id__in=ctx.person_ids)
                | Q(consultation_links__consultation_id__in=subject_consultations(ctx))
            ).values_list("pk", flat=True)
        )
    return ctx.cache["case_ids"]


def _consultations(ctx) -> list[Section]:
    items, sheets = [], []
    rows = (
        Consultation.objects.filter(pk__in=subject_consultations(ctx))
        .select_related("agency", "received_by", "caller_agency")
        .prefetch_related("persons", "category_links__category")
        .order_by("received_at", "pk")
    )
    for c in rows:
        caller = c.caller_name
        if c.came_from != CameFrom.SELF and caller:
            ctx.third_party(names=[caller])
            if ctx.redact:
                caller = ctx.withheld(_("相談者（本人以外）の氏名"))
        items.append(
            Item(
                title=_("相談受付 %(d)s") % {"d": fmt_date(c.received_at)},
                ref=f"consultation:{c.pk}",
                date=iso(c.received_at),
                fields=[
                    (_("受付日時"), fmt_date(c.received_at)),
                    (_("受付機関"), str(c.agency)),
                    (_("受付者"), str(c.received_by)),
                    (_("相談方法"), c.get_channel_display()),
                    (_("相談者"), c.get_came_from_display()),
                    (_("相談者の氏名"), caller),
                    (_("本人との関係"), c.caller_relationship),
                    (_("対象者"), ctx.names_of(list(c.persons.all()))),
                    (
                        _("相談内容"),
                        "、".join(link.category.name for link in c.category_links.all()),
                    ),
                    (_("主訴"), c.summary),
                    (_("本人・相談者の希望"), c.wishes),
                    (_("緊急度"), c.get_urgency_display()),
                    (_("情報共有の同意"), c.get_consent_status_display()),
                    (_("対応結果"), c.get_outcome_display()),
                ],
            )
        )
    for s in (
        ConnectSheet.objects.filter(consultation_id__in=subject_consultations(ctx))
        .select_related("sender", "sender_agency")
        .order_by("sent_at", "pk")
    ):
        visitor, visitor_phone = s.visitor_name, s.visitor_phone
        if visitor:
            ctx.third_party(names=[visitor])
        if ctx.redact and (visitor or visitor_phone):
            visitor = ctx.withheld(_("来談者（本人以外）の氏名・電話"))
            visitor_phone = ""
        if _subject_in_hiding(ctx):
            reason = _("住所秘匿の世帯の住所・電話（生命・身体の保護）")
            address = ctx.withheld(reason) if s.address else ""
            phones = ctx.withheld(reason) if (s.home_phone or s.mobile_phone) else ""
        else:
            address = s.address
            phones = " ".join(p for p in (s.home_phone, s.mobile_phone) if p)
        sheets.append(
            Item(
                title=_("つなぐシート %(d)s") % {"d": fmt_date(s.sent_at)},
                ref=f"connectsheet:{s.pk}",
                date=iso(s.sent_at),
                fields=[
                    (_("送付日時"), fmt_date(s.sent_at)),
                    (_("担当課・機関"), str(s.sender_agency)),
                    (_("氏名"), s.name),
                    (_("ふりがな"), s.name_kana),
                    (_("生年月日"), fmt_date(s.birth_date)),
                    (_("住所"), address),
                    (_("電話"), phones),
                    (_("来談者の氏名"), visitor),
                    (_("来談者の電話"), visitor_phone),
                    (_("本人との関係"), s.visitor_relationship),
                    (_("相談内容"), "、".join(s.topic_labels())),
                    (_("具体的な内容"), s.details),
                    (_("本人同意"), _("あり") if s.consent_given else _("なし")),
                    (_("状況"), s.get_status_display()),
                    (_("窓口からの連絡"), s.desk_note),
                ],
            )
        )
    return [
        Section("consultations", _("相談受付"), items, order=40),
        Section("connect_sheets", _("相談をつなぐシート"), sheets, order=45),
    ]


def _subject_in_hiding(ctx) -> bool:
    from households.models import HouseholdMembership

    if "in_hiding" not in ctx.cache:
        ctx.cache["in_hiding"] = HouseholdMembership.objects.filter(
            person_id__in=ctx.person_ids, household__is_address_confidential=True
        ).exists()
    return ctx.cache["in_hiding"]


def _cases(ctx) -> list[Section]:
    case_ids = subject_case_ids(ctx)
    cases = list(
        Case.objects.filter(pk__in=case_ids)
        .select_related("lead_agency", "lead_staff", "household")
        .prefetch_related("status_changes")
        .order_by("opened_on", "pk")
    )
    roles = {}
    for cp in CasePerson.objects.filter(case_id__in=case_ids).select_related("person"):
        if cp.person_id in ctx.person_ids:
            roles[cp.case_id] = cp.get_role_display()
        else:
            ctx.third_party([cp.person])
    case_items = []
    for case in cases:
        changes = "／".join(
            f"{fmt_date(ch.on)} {ch.get_to_status_display()}"
            for ch in sorted(case.status_changes.all(), key=lambda ch: (ch.on, ch.pk))
        )
        case_items.append(
            Item(
                title=_("ケース: %(t)s") % {"t": case.title},
                ref=f"case:{case.pk}",
                date=iso(case.opened_on),
                fields=[
                    (_("ケース名"), case.title),
                    (_("本人の立場"), roles.get(case.pk, "")),
                    (_("主担当機関"), str(case.lead_agency)),
                    (_("主担当"), str(case.lead_staff)),
                    (_("状況"), case.get_status_display()),
                    (_("開始日"), fmt_date(case.opened_on)),
                    (_("終結日"), fmt_date(case.closed_on)),
                    (_("終結理由"), case.close_reason),
                    (_("ケースの概要"), case.summary),
                    (_("経過"), changes),
                ],
            )
        )
    assessments = []
    for a in (
        Assessment.objects.filter(case_id__in=case_ids)
        .select_related("case", "by")
        .prefetch_related("members__person", "issues")
        .order_by("assessed_on", "pk")
    ):
        fields = [
            (_("ケース"), a.case.title),
            (_("実施日"), fmt_date(a.assessed_on)),
            (_("実施者"), str(a.by)),
            (_("世帯全体の状況"), a.household_overview),
            (_("世帯の課題"), "、".join(i.name for i in a.issues.all())),
        ]
        for m in a.members.all():
            if m.person_id in ctx.person_ids:
                fields.append((_("本人の状況"), m.situation))
                fields.append((_("本人の強み・できていること"), m.strengths))
            else:
                ctx.third_party([m.person])
                if ctx.redact:
                    ctx.withheld(_("他の世帯員についての記録"))
                else:
                    fields.append((m.person.full_name, f"{m.situation} {m.strengths}".strip()))
        assessments.append(
            Item(
                title=_("アセスメント %(d)s") % {"d": fmt_date(a.assessed_on)},
                ref=f"assessment:{a.pk}",
                date=iso(a.assessed_on),
                fields=fields,
            )
        )
    records = []
    for r in (
        SupportRecord.objects.filter(case_id__in=case_ids)
        .filter(Q(persons__id__in=ctx.person_ids) | Q(persons__isnull=True))
        .distinct()
        .select_related("case", "agency", "staff")
        .prefetch_related("persons")
        .order_by("occurred_at", "pk")
    ):
        persons = list(r.persons.all())
        records.append(
            Item(
                title=_("支援経過 %(d)s %(k)s")
                % {"d": fmt_date(r.occurred_at), "k": r.get_kind_display()},
                ref=f"record:{r.pk}",
                date=iso(r.occurred_at),
                fields=[
                    (_("ケース"), r.case.title),
                    (_("日時"), fmt_date(r.occurred_at)),
                    (_("種別"), r.get_kind_display()),
                    (_("機関"), str(r.agency)),
                    (_("職員"), str(r.staff)),
                    (_("対象者"), ctx.names_of(persons) if persons else _("世帯全体")),
                    (_("内容"), r.narrative),
                    (_("繋ぎ先"), r.referred_to),
                ],
            )
        )
    plans = []
    for plan in (
        SupportPlan.objects.filter(case_id__in=case_ids)
        .select_related("case")
        .prefetch_related("roles__agency", "roles__person", "reviews")
        .order_by("case_id", "number")
    ):
        fields = [
            (_("ケース"), plan.case.title),
            (_("版"), str(plan.number)),
            (_("状態"), plan.get_status_display()),
            (_("本人の希望"), plan.person_wishes),
            (_("目標"), plan.goals),
            (_("同意日"), fmt_date(plan.consented_on)),
            (_("承認日"), fmt_date(plan.approved_on)),
            (_("実施開始日"), fmt_date(plan.activated_on)),
            (_("評価予定日"), fmt_date(plan.review_on)),
        ]
        for role in plan.roles.all():
            if role.person_id and role.person_id not in ctx.person_ids:
                ctx.third_party([role.person])
                if ctx.redact:
                    ctx.withheld(_("他の世帯員についての役割分担"))
                    continue
            who = role.person.full_name if role.person_id else _("世帯")
            fields.append(
                (
                    _("役割分担"),
                    f"{role.concern} × {role.agency} × {role.method}（{who}"
                    f"{'、' + fmt_date(role.due_on) + 'まで' if role.due_on else ''}）",
                )
            )
        for review in plan.reviews.all():
            fields.append(
                (
                    _("評価 %(d)s") % {"d": fmt_date(review.reviewed_on)},
                    f"{review.get_outcome_display()}: {review.evaluation}",
                )
            )
        plans.append(
            Item(
                title=_("支援プラン 第%(n)d版（%(t)s）") % {"n": plan.number, "t": plan.case.title},
                ref=f"plan:{plan.pk}",
                date=iso(plan.activated_on or plan.approved_on or plan.created_at),
                fields=fields,
            )
        )
    return [
        Section("cases", _("ケース"), case_items, order=50),
        Section("assessments", _("アセスメント"), assessments, order=55),
        Section(
            "records",
            _("支援経過記録"),
            records,
            order=60,
            note=_("本人を対象とする記録と、世帯全体についての記録です。"),
        ),
        Section("plans", _("支援プラン"), plans, order=70),
    ]


def _attachments(ctx) -> list[Section]:
    """Files kept on the person's consultations and cases."""
    items = [
        attachment_item(ctx, a, _("相談受付"), "consultationattachment")
        for a in ConsultationAttachment.objects.filter(
            owner_id__in=subject_consultations(ctx), withdrawn_at=None
        ).order_by("uploaded_at", "pk")
    ]
    items += [
        attachment_item(ctx, a, _("ケース"), "caseattachment")
        for a in CaseAttachment.objects.filter(
            owner_id__in=subject_case_ids(ctx), withdrawn_at=None
        ).order_by("uploaded_at", "pk")
    ]
    return [
        Section(
            "case_attachments",
            _("添付ファイル（相談受付・ケース）"),
            items,
            order=75,
            note=str(ATTACHMENTS_NOTE),
        )
    ]


@register_disclosure
def disclosure_sections(ctx) -> list[Section]:
    return _consultations(ctx) + _cases(ctx) + _attachments(ctx)

"""The disclosure (開示請求) section of meetings: the agenda items about the person's
cases. Registered with households.disclosure from MeetingsConfig.ready()."""

from django.utils.translation import gettext as _

from cases.disclosure import subject_case_ids
from households.disclosure import Item, Section, fmt_date, iso, register_disclosure
from meetings.models import AgendaItem


@register_disclosure
def disclosure_sections(ctx) -> list[Section]:
    items = []
    for item in (
        AgendaItem.objects.filter(case_id__in=subject_case_ids(ctx))
        .select_related("meeting", "case")
        .order_by("meeting__starts_at", "order", "pk")
    ):
        meeting = item.meeting
        items.append(
            Item(
                title=_("%(k)s %(d)s")
                % {"k": meeting.get_kind_display(), "d": fmt_date(meeting.starts_at)},
                ref=f"agendaitem:{item.pk}",
                date=iso(meeting.starts_at),
                fields=[
                    (_("会議"), meeting.title or meeting.get_kind_display()),
                    (_("開始日時"), fmt_date(meeting.starts_at)),
                    (_("会議の状態"), meeting.get_status_display()),
                    (_("ケース"), item.case.title if item.case_id else ""),
                    (_("議題の種類"), item.get_topic_display()),
                    (_("議題"), item.title),
                    (_("会議資料"), item.brief),
                    (_("協議内容"), item.discussion),
                    (_("決定事項"), item.decisions),
                    (_("決定"), item.get_decision_display() if item.decision else ""),
                    (_("次回検討日"), fmt_date(item.next_review_on)),
                ],
            )
        )
    return [
        Section(
            "agenda",
            _("会議の議題（本人のケース）"),
            items,
            order=90,
            note=_("支援会議の出席者の氏名は記載していません。"),
        )
    ]

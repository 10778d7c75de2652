"""The disclosure (開示請求) section of referrals: the 繋ぎ naming the person.
Registered with households.disclosure from ReferralsConfig.ready()."""

from django.utils.translation import gettext as _

from households.disclosure import Item, Section, fmt_date, iso, register_disclosure
from referrals.models import Referral


@register_disclosure
def disclosure_sections(ctx) -> list[Section]:
    items = []
    for r in (
        Referral.objects.filter(persons__id__in=ctx.person_ids)
        .distinct()
        .select_related("case", "from_agency", "to_agency", "from_staff")
        .prefetch_related("persons")
        .order_by("sent_at", "pk")
    ):
        items.append(
            Item(
                title=_("繋ぎ %(d)s %(a)s → %(b)s")
                % {"d": fmt_date(r.sent_at), "a": r.from_agency, "b": r.to_agency},
                ref=f"referral:{r.pk}",
                date=iso(r.sent_at),
                fields=[
                    (_("ケース"), r.case.title if r.case_id else ""),
                    (_("送付日時"), fmt_date(r.sent_at)),
                    (_("繋ぎ元"), str(r.from_agency)),
                    (_("送付者"), str(r.from_staff) if r.from_staff_id else ""),
                    (_("繋ぎ先"), str(r.to_agency)),
                    (_("対象者"), ctx.names_of(list(r.persons.all()))),
                    (_("繋ぐ理由・経緯"), r.reason),
                    (_("依頼したいこと"), r.request),
                    (_("共有の範囲"), r.get_scope_display()),
                    (
                        _("根拠"),
                        _("本人同意") if r.consent_id else r.get_exemption_reason_display(),
                    ),
                    (_("状況"), r.get_status_display()),
                    (_("受理日時"), fmt_date(r.accepted_at)),
                    (_("辞退の理由"), r.decline_reason),
                    (_("繋ぎ先からの回答・メモ"), r.response_note),
                    (_("終了日時"), fmt_date(r.ended_at)),
                ],
            )
        )
    return [Section("referrals", _("繋ぎ（関係機関への紹介）"), items, order=80)]

"""What outreach adds to pages it does not own, registered from OutreachConfig.ready():
the case timeline, the household page, and the district counts of community.

outreach -> community (community.registry) is a sideways import between sibling apps;
DESIGN.md's map should list it (community itself never imports outreach).
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import sharing
from cases.registry import TimelineEntry, register_timeline
from common.writes import start_of_day
from community.registry import register_district_count
from households.registry import register_panel
from outreach import selectors
from outreach.choices import ContactMethod, TargetSource
from outreach.models import ContactAttempt, OutreachTarget


@register_timeline
def outreach_timeline(case, user):
    """The outreach history of a case's targets, for those who may see its records.
    Contacts already written as 支援経過 show there and are not repeated here."""
    can_records = getattr(case, "can_records", None)
    if can_records is None:
        can_records = sharing.can(user, case, "records")
    if not can_records:
        return []
    targets = list(
        OutreachTarget.objects.filter(case=case).select_related("assigned_agency", "created_by")
    )
    if not targets:
        return []
    openable = set(
        selectors.targets_visible_to(user).filter(case=case).values_list("pk", flat=True)
    )
    entries = []
    for t in targets:
        url = reverse("outreach:target_detail", args=[t.pk]) if t.pk in openable else ""
        entries.append(
            TimelineEntry(
                at=start_of_day(t.found_on),
                kind="outreach",
                label=_("③ アウトリーチ"),
                title=_("対象として把握（%(source)s・担当 %(agency)s）")
                % {"source": TargetSource(t.source).label, "agency": t.assigned_agency.name},
                body=t.concern,
                by=str(t.created_by),
                url=url,
            )
        )
        if t.connected_on:
            entries.append(
                TimelineEntry(
                    at=start_of_day(t.connected_on),
                    kind="outreach",
                    label=_("③ アウトリーチ"),
                    title=_("支援につながった"),
                    url=url,
                )
            )
    contacts = ContactAttempt.objects.filter(
        target__case=case, support_record__isnull=True
    ).select_related("agency", "staff")
    for c in contacts:
        body = c.result + (("\n" + _("次の対応：") + c.next_step) if c.next_step else "")
        entries.append(
            TimelineEntry(
                at=start_of_day(c.contacted_on),
                kind="outreach",
                label=_("③ 接触"),
                title=f"{ContactMethod(c.method).label}（{c.agency.name}）",
                body=body,
                by=str(c.staff),
            )
        )
    return entries


@register_panel
def household_outreach(request, household):
    targets = list(
        selectors.targets_visible_to(request.user)
        .filter(household=household)
        .select_related("person", "assigned_agency", "case")
        .order_by("-found_on", "-pk")
    )
    return {
        "title": _("アウトリーチ"),
        "template": "outreach/_household_targets.html",
        "context": {"targets": targets, "household": household},
    }


register_district_count(
    gettext_lazy("支援につながっていないアウトリーチ対象"),
    selectors.district_open_target_counts,
)

"""Writes for 世帯訪問調査 (STYLE 2): campaigns are the desk's; their visit rows are
written by the desk and the visiting agencies."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from accounts.audit import log_action
from common.services import check_version, save_as
from common.writes import acting_agency, apply_edit, save_new_version
from households.models import Household
from outreach import selectors
from outreach.choices import TargetSource, VisitResult
from outreach.models import OutreachTarget, VisitCampaign, VisitRecord
from outreach.services.rules import OutreachRuleError, require_desk
from outreach.services.targets import target_create


def _check_period(starts_on, ends_on) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise OutreachRuleError(_("終了日は開始日より後にしてください。"))


@transaction.atomic
def campaign_create(
    *, actor, name: str, districts, starts_on, ends_on, visiting_agencies, note: str = ""
) -> VisitCampaign:
    """Plan a 世帯訪問調査 (desk only). Side effects: one visit row per household of the
    districts (campaign_add_households); action log."""
    require_desk(actor)
    _check_period(starts_on, ends_on)
    if not districts:
        raise OutreachRuleError(_("対象の行政区を選んでください。"))
    if not visiting_agencies:
        raise OutreachRuleError(_("訪問する機関を選んでください。"))
    campaign = VisitCampaign(
        name=name, starts_on=starts_on, ends_on=ends_on, note=note, created_by=actor
    )
    save_as(campaign, actor)
    campaign.districts.set(districts)
    campaign.visiting_agencies.set(visiting_agencies)
    campaign_add_households(actor=actor, campaign=campaign)
    log_action(actor=actor, action="outreach.campaign.created", obj=campaign)
    return campaign


@transaction.atomic
def campaign_update(
    *,
    actor,
    campaign: VisitCampaign,
    expected_version=None,
    districts=None,
    visiting_agencies=None,
    **fields,
) -> VisitCampaign:
    require_desk(actor)
    apply_edit(campaign, fields, expected_version=expected_version)
    _check_period(campaign.starts_on, campaign.ends_on)
    if districts is not None and not districts:
        raise OutreachRuleError(_("対象の行政区を選んでください。"))
    if visiting_agencies is not None and not visiting_agencies:
        raise OutreachRuleError(_("訪問する機関を選んでください。"))
    save_new_version(campaign, actor)
    if districts is not None:
        campaign.districts.set(districts)
    if visiting_agencies is not None:
        campaign.visiting_agencies.set(visiting_agencies)
    log_action(actor=actor, action="outreach.campaign.updated", obj=campaign)
    return campaign


@transaction.atomic
def campaign_add_households(*, actor, campaign: VisitCampaign) -> int:
    """Add a row for each household of the campaign's districts that has none yet (for
    households registered after the campaign began). 住所秘匿 households are left out:
    a door-to-door survey must not send visitors to, or list the address of, someone
    hiding from DV or abuse. Returns the number of rows added."""
    require_desk(actor)
    existing = campaign.visits.values("household_id")
    households = (
        Household.objects.filter(
            district__in=campaign.districts.all(), is_address_confidential=False
        )
        .exclude(pk__in=existing)
        .order_by("pk")
    )
    rows = [VisitRecord(campaign=campaign, household=h) for h in households]
    if rows:
        bulk_create_with_history(rows, VisitRecord, default_user=actor)
        log_action(
            actor=actor, action="outreach.campaign.households_added", obj=campaign, n=len(rows)
        )
    return len(rows)


@transaction.atomic
def visit_record(
    *,
    actor,
    visit: VisitRecord,
    result: str,
    visited_on: dt.date | None,
    note: str = "",
    expected_version=None,
) -> VisitRecord:
    """Record a household visit (desk or a visiting agency's staff). A stale version
    raises StaleEdit and nothing is saved."""
    campaign = visit.campaign
    if not selectors.campaigns_visible_to(actor).filter(pk=campaign.pk).exists():
        raise OutreachRuleError(_("この調査の訪問を記録する権限がありません。"))
    check_version(visit, expected_version)
    if result not in VisitResult.values:
        raise OutreachRuleError(_("訪問の結果を選んでください。"))
    if visited_on is None:
        raise OutreachRuleError(_("訪問日を入力してください。"))
    if visited_on > timezone.localdate():
        raise OutreachRuleError(_("未来の日付は入力できません。"))
    if result == VisitResult.CONCERN and not (note or "").strip():
        raise OutreachRuleError(_("気になる点をメモに書いてください。"))
    visiting = set(campaign.visiting_agencies.values_list("pk", flat=True))
    visit.result = result
    visit.visited_on = visited_on
    visit.note = note
    visit.visited_by = actor
    visit.agency = acting_agency(actor, visiting)
    save_new_version(visit, actor)
    log_action(actor=actor, action="outreach.visit.recorded", obj=visit, result=result)
    return visit


@transaction.atomic
def campaign_flagged_to_targets(*, actor, campaign: VisitCampaign) -> list[OutreachTarget]:
    """Make an outreach target of every 気になる点あり row not yet targeted, in one step
    (desk only). Each target is assigned to the agency that made the visit, its concern
    is the visit note. Returns the new targets."""
    require_desk(actor)
    desk_agency = acting_agency(actor)
    rows = list(
        selectors.flagged_untargeted(campaign)
        .select_for_update(of=("self",))
        .select_related("household", "household__district", "agency")
        .order_by("pk")
    )
    created = [
        target_create(
            actor=actor,
            assigned_agency=row.agency or desk_agency,
            source=TargetSource.HOUSEHOLD_SURVEY,
            source_detail=campaign.name,
            concern=row.note or _("世帯訪問調査で気になる点あり"),
            found_on=row.visited_on,
            household=row.household,
            district=row.household.district,
            visit=row,
        )
        for row in rows
    ]
    if created:
        log_action(
            actor=actor, action="outreach.campaign.targets_made", obj=campaign, n=len(created)
        )
    return created

"""Writes for 地域づくり (STYLE 2).

Any case worker may log an activity (and correct their own); desk staff manage
resources and community issues.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import log_action
from common.services import save_as
from common.writes import apply_edit, check_transition, save_new_version
from community import selectors
from community.choices import AGE_BANDS, ISSUE_TRANSITIONS, IssueStatus
from community.models import ActivityLog, CommunityIssue, CommunityResource, IssueAction


class CommunityRuleError(ValidationError):
    """A refused action; the message is Japanese and says what is missing."""


def _require_manager(actor) -> None:
    if not selectors.can_manage(actor):
        raise CommunityRuleError(_("この操作は福祉の相談窓口の職員だけが行えます。"))


def _check_period(started_on, ended_on) -> None:
    if started_on and ended_on and ended_on < started_on:
        raise CommunityRuleError(_("終了日は開始日より後にしてください。"))


# ---------------------------------------------------------------- resources


@transaction.atomic
def resource_create(*, actor, **fields) -> CommunityResource:
    _require_manager(actor)
    resource = CommunityResource(created_by=actor, **fields)
    _check_period(resource.started_on, resource.ended_on)
    save_as(resource, actor)
    log_action(actor=actor, action="community.resource.created", obj=resource)
    return resource


@transaction.atomic
def resource_update(
    *, actor, resource: CommunityResource, expected_version=None, **fields
) -> CommunityResource:
    _require_manager(actor)
    apply_edit(resource, fields, expected_version=expected_version)
    _check_period(resource.started_on, resource.ended_on)
    save_new_version(resource, actor)
    log_action(actor=actor, action="community.resource.updated", obj=resource)
    return resource


# ---------------------------------------------------------------- activities


def _check_activity(activity: ActivityLog) -> None:
    if activity.held_on > timezone.localdate():
        raise CommunityRuleError(_("未来の日付は入力できません。"))
    resource = activity.resource
    if resource.ended_on and activity.held_on > resource.ended_on:
        raise CommunityRuleError(
            _("この地域資源は終了しています。終了日より前の日付にしてください。")
        )
    if not any(getattr(activity, band) for band, _label in AGE_BANDS):
        raise CommunityRuleError(_("参加者の人数を、年代のどれかに1人以上入力してください。"))


@transaction.atomic
def activity_create(*, actor, resource: CommunityResource, **fields) -> ActivityLog:
    """Log one meeting of a resource (any case worker)."""
    if not selectors.is_case_worker(actor):
        raise CommunityRuleError(_("活動を記録する権限がありません。"))
    activity = ActivityLog(resource=resource, recorded_by=actor, **fields)
    _check_activity(activity)
    save_as(activity, actor)
    log_action(actor=actor, action="community.activity.created", obj=activity)
    return activity


@transaction.atomic
def activity_update(
    *, actor, activity: ActivityLog, expected_version=None, **fields
) -> ActivityLog:
    """Correct an activity (the person who logged it, or desk staff). A stale version
    raises StaleEdit and nothing is saved."""
    if not selectors.can_edit_activity(actor, activity):
        raise CommunityRuleError(
            _("この活動記録を修正できるのは、記録した人と福祉の相談窓口です。")
        )
    apply_edit(activity, fields, expected_version=expected_version)
    _check_activity(activity)
    save_new_version(activity, actor)
    log_action(actor=actor, action="community.activity.updated", obj=activity)
    return activity


# ---------------------------------------------------------------- issues


@transaction.atomic
def issue_create(*, actor, **fields) -> CommunityIssue:
    """Raise a 地域課題 / 制度の狭間 (desk only). Counts only: the case count is a number."""
    _require_manager(actor)
    issue = CommunityIssue(raised_by=actor, **fields)
    if issue.raised_on is None:
        issue.raised_on = timezone.localdate()
    save_as(issue, actor)
    log_action(actor=actor, action="community.issue.created", obj=issue)
    return issue


@transaction.atomic
def issue_update(
    *, actor, issue: CommunityIssue, expected_version=None, **fields
) -> CommunityIssue:
    _require_manager(actor)
    apply_edit(issue, fields, expected_version=expected_version)
    if issue.resolved_on and issue.resolved_on < issue.raised_on:
        raise CommunityRuleError(_("解決日は提起日より後にしてください。"))
    save_new_version(issue, actor)
    log_action(actor=actor, action="community.issue.updated", obj=issue)
    return issue


@transaction.atomic
def issue_transition(
    *, actor, issue: CommunityIssue, to_status: str, on=None, note: str = ""
) -> CommunityIssue:
    """提起 → 検討中 → 対応中 → 解決 (and back to 対応中 if it returns). A note becomes a
    dated action row; 解決 records the date."""
    _require_manager(actor)
    issue = CommunityIssue.objects.select_for_update().get(pk=issue.pk)
    on = on or timezone.localdate()
    check_transition(
        issue.status,
        to_status,
        statuses=IssueStatus,
        transitions=ISSUE_TRANSITIONS,
        refuse=CommunityRuleError,
    )
    if on < issue.raised_on:
        raise CommunityRuleError(_("提起日より後の日付を入力してください。"))
    previous = issue.status
    issue.status = to_status
    issue.resolved_on = on if to_status == IssueStatus.RESOLVED else None
    save_new_version(issue, actor)
    if note.strip():
        save_as(IssueAction(issue=issue, taken_on=on, description=note.strip(), by=actor), actor)
    log_action(
        actor=actor,
        action="community.issue.status_changed",
        obj=issue,
        previous=previous,
        to=to_status,
    )
    return issue


@transaction.atomic
def issue_action_add(*, actor, issue: CommunityIssue, taken_on, description: str) -> IssueAction:
    _require_manager(actor)
    if not (description or "").strip():
        raise CommunityRuleError(_("取り組んだことを入力してください。"))
    if taken_on > timezone.localdate():
        raise CommunityRuleError(_("未来の日付は入力できません。"))
    action = IssueAction(issue=issue, taken_on=taken_on, description=description.strip(), by=actor)
    save_as(action, actor)
    log_action(actor=actor, action="community.issue.action_added", obj=issue)
    return action

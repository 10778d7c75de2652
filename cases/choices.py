from django.db import models
from django.utils.translation import gettext_lazy as _

from households.choices import ExemptionReason as ExemptionReason


class CaseStatus(models.TextChoices):
    RECEIVED = "received", _("受付")
    ASSESSMENT = "assessment", _("アセスメント")
    PLANNING = "planning", _("プラン作成")
    SUPPORTING = "supporting", _("支援中")
    MONITORING = "monitoring", _("モニタリング")
    CLOSED = "closed", _("終結")
    SUSPENDED = "suspended", _("中断")


ENDED_STATUSES = [CaseStatus.CLOSED, CaseStatus.SUSPENDED]
# Every other status, in the lifecycle's order (the order CaseStatus lists them).
OPEN_STATUSES = [status for status in CaseStatus if status not in ENDED_STATUSES]

# Allowed moves. Any open status may end (終結/中断); an ended case may be reopened
# to アセスメント or 支援中, which keeps the history of the earlier end.
CASE_TRANSITIONS = {
    CaseStatus.RECEIVED: {CaseStatus.ASSESSMENT, CaseStatus.PLANNING, CaseStatus.SUPPORTING},
    CaseStatus.ASSESSMENT: {CaseStatus.PLANNING, CaseStatus.SUPPORTING},
    CaseStatus.PLANNING: {CaseStatus.SUPPORTING, CaseStatus.ASSESSMENT},
    CaseStatus.SUPPORTING: {CaseStatus.MONITORING, CaseStatus.PLANNING, CaseStatus.ASSESSMENT},
    CaseStatus.MONITORING: {CaseStatus.SUPPORTING, CaseStatus.PLANNING},
    CaseStatus.CLOSED: {CaseStatus.ASSESSMENT, CaseStatus.SUPPORTING},
    CaseStatus.SUSPENDED: {CaseStatus.ASSESSMENT, CaseStatus.SUPPORTING},
}
for _status in OPEN_STATUSES:
    CASE_TRANSITIONS[_status] |= {CaseStatus.CLOSED, CaseStatus.SUSPENDED}


class CloseReason(models.TextChoices):
    GOAL_REACHED = "goal_reached", _("課題の解決・目標達成")
    HANDED_OVER = "handed_over", _("他機関の支援へ移行")
    MOVED_AWAY = "moved_away", _("転出")
    DECEASED = "deceased", _("死亡")
    DECLINED = "declined", _("本人が支援を希望しない")
    NO_CONTACT = "no_contact", _("連絡がとれない")
    OTHER = "other", _("その他")


class RiskLevel(models.TextChoices):
    LOW = "low", _("低")
    MEDIUM = "medium", _("中")
    HIGH = "high", _("高")
    URGENT = "urgent", _("緊急")


class CasePersonRole(models.TextChoices):
    PRINCIPAL = "principal", _("本人（主たる対象者）")
    MEMBER = "member", _("世帯員（支援対象）")
    CARER = "carer", _("介護者・養育者")
    KEY_PERSON = "key_person", _("キーパーソン")
    RELATED = "related", _("関係者")


class RecordKind(models.TextChoices):
    PHONE = "phone", _("電話")
    INTERVIEW = "interview", _("面談")
    VISIT = "visit", _("訪問")
    ACCOMPANY = "accompany", _("同行")
    CASE_CONFERENCE = "case_conference", _("ケース会議")
    REFERRAL = "referral", _("繋ぎ")
    COORDINATION = "coordination", _("連絡調整・情報共有")


class Project(models.TextChoices):
    """The five 事業 of 重層的支援体制整備事業."""

    COMPREHENSIVE = "1", _("① 包括的相談支援")
    COLLABORATION = "2", _("② 多機関協働")
    OUTREACH = "3", _("③ アウトリーチ等を通じた継続的支援")
    PARTICIPATION = "4", _("④ 参加支援")
    COMMUNITY = "5", _("⑤ 地域づくりに向けた支援")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("作成中")
    CONSENTED = "consented", _("本人同意済み")
    APPROVED = "approved", _("承認済み")
    ACTIVE = "active", _("実施中")
    REVIEWED = "reviewed", _("評価済み")
    REVISED = "revised", _("改訂済み（旧版）")
    CLOSED = "closed", _("終了")


PLAN_TRANSITIONS = {
    PlanStatus.DRAFT: {PlanStatus.CONSENTED, PlanStatus.CLOSED},
    PlanStatus.CONSENTED: {PlanStatus.APPROVED, PlanStatus.DRAFT, PlanStatus.CLOSED},
    PlanStatus.APPROVED: {PlanStatus.ACTIVE, PlanStatus.CLOSED},
    PlanStatus.ACTIVE: {PlanStatus.REVIEWED, PlanStatus.REVISED, PlanStatus.CLOSED},
    PlanStatus.REVIEWED: {PlanStatus.ACTIVE, PlanStatus.REVISED, PlanStatus.CLOSED},
    PlanStatus.REVISED: set(),
    PlanStatus.CLOSED: set(),
}


class ReviewOutcome(models.TextChoices):
    CONTINUE = "continue", _("継続")
    REVISE = "revise", _("プランを見直す")
    CLOSE = "close", _("終結に向ける")


class GrantBasis(models.TextChoices):
    LEAD = "lead", _("主担当機関")
    CONSENT = "consent", _("本人同意")
    REFERRAL = "referral", _("繋ぎ（受理）")
    PLAN_ROLE = "plan_role", _("支援プランの役割分担")
    MEETING = "meeting", _("会議（支援会議等）")
    EXEMPTION = "exemption", _("法令上の例外")


class GrantScope(models.TextChoices):
    """How much of the case file a grant opens, smallest first."""

    MEETING_BRIEF = "meeting_brief", _("会議資料のみ")
    SUMMARY = "summary", _("概要のみ")
    RECORDS = "records", _("プランと支援経過")
    FULL = "full", _("ケース記録すべて")
    LEAD = "lead", _("主担当（編集・秘匿情報を含む）")


# Smallest first, as GrantScope lists them.
SCOPE_ORDER = list(GrantScope)


# ExemptionReason (imported above) is the one list of exemptions for every basis
# (grants, referrals, つなぐシート); it lives in households so that intake, below cases,
# records the same reasons.

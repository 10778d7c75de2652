from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingKind(models.TextChoices):
    SUPPORT_MEETING = "support", _("支援会議")
    MULTILAYER_MEETING = "multilayer", _("重層的支援会議")
    DEPARTMENT_LIAISON = "liaison", _("関係各課担当者会議")
    REPRESENTATIVES = "representatives", _("代表者会議")
    ISOLATION_COUNCIL = "isolation", _("孤独・孤立対策地域協議会")
    CASE_CONFERENCE = "case_conference", _("ケース会議")


# 社会福祉法106条の6: only a 支援会議 may discuss a person without their consent, and
# its members are bound by 守秘義務. Every other kind needs the person's consent to
# cover each agency at the table (孤独・孤立対策地域協議会 too: its guideline asks for
# consent as the rule).
CONFIDENTIAL_KINDS = {MeetingKind.SUPPORT_MEETING}


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("予定・記録中")
    FINALISED = "finalised", _("議事録確定")
    CANCELLED = "cancelled", _("中止")


class Topic(models.TextChoices):
    CASE = "case", _("個別ケース")
    SYSTEM_GAP = "system_gap", _("制度の狭間")
    RESOURCE_DEVELOPMENT = "resource", _("社会資源の開発")
    CONSULTATION_SYSTEM = "consultation_system", _("相談体制")
    REPORT = "report", _("実績報告・情報共有")


class Decision(models.TextChoices):
    """What a 重層的支援会議 decides about a case."""

    PLAN_APPROVAL = "plan_approval", _("プラン承認")
    REPLAN = "replan", _("再プラン")
    EVALUATION = "evaluation", _("評価")
    SUPPORT_DECISION = "support_decision", _("支援決定")
    CLOSURE = "closure", _("終結")
    SUSPENSION = "suspension", _("中断")

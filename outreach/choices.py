from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.choices import RecordKind


class TargetSource(models.TextChoices):
    """How the desk learned of someone who does not come to it."""

    WELFARE_VOLUNTEER = "minsei", _("民生委員")
    RESIDENTS_ASSOCIATION = "jichikai", _("自治会")
    NEIGHBOUR = "neighbour", _("近隣")
    AGENCY = "agency", _("関係機関")
    HOUSEHOLD_SURVEY = "survey", _("世帯訪問調査")
    OTHER_DEPARTMENT = "other_dept", _("庁内他課")


class TargetStatus(models.TextChoices):
    IDENTIFIED = "identified", _("把握")
    ATTEMPTING = "attempting", _("接触試行")
    BUILDING = "building", _("関係構築中")
    CONNECTED = "connected", _("支援につながった")
    WATCHING = "watching", _("見守り継続")
    STOPPED = "stopped", _("中断")


# Targets still being reached out to: counted per district as "not yet in support".
OPEN_TARGET_STATUSES = [
    TargetStatus.IDENTIFIED,
    TargetStatus.ATTEMPTING,
    TargetStatus.BUILDING,
    TargetStatus.WATCHING,
]

# Moves staff may make by hand. 支援につながった is reached only through the
# "ケースにつなぐ" action, which links the case; it is final.
TARGET_TRANSITIONS = {
    TargetStatus.IDENTIFIED: {
        TargetStatus.ATTEMPTING,
        TargetStatus.BUILDING,
        TargetStatus.WATCHING,
        TargetStatus.STOPPED,
    },
    TargetStatus.ATTEMPTING: {TargetStatus.BUILDING, TargetStatus.WATCHING, TargetStatus.STOPPED},
    TargetStatus.BUILDING: {TargetStatus.ATTEMPTING, TargetStatus.WATCHING, TargetStatus.STOPPED},
    TargetStatus.WATCHING: {TargetStatus.ATTEMPTING, TargetStatus.BUILDING, TargetStatus.STOPPED},
    TargetStatus.STOPPED: {TargetStatus.ATTEMPTING, TargetStatus.WATCHING},
    TargetStatus.CONNECTED: set(),
}


class ContactMethod(models.TextChoices):
    VISIT = "visit", _("訪問")
    PHONE = "phone", _("電話")
    LETTER = "letter", _("手紙")
    ACCOMPANY = "accompany", _("同行")


# The 支援経過 kind a contact becomes when the target is on a case. A letter has no
# kind of its own in the statistics table; it is 連絡調整.
RECORD_KIND_FOR_METHOD = {
    ContactMethod.VISIT: RecordKind.VISIT,
    ContactMethod.PHONE: RecordKind.PHONE,
    ContactMethod.LETTER: RecordKind.COORDINATION,
    ContactMethod.ACCOMPANY: RecordKind.ACCOMPANY,
}


class VisitResult(models.TextChoices):
    ABSENT = "absent", _("不在")
    MET = "met", _("面会")
    CONCERN = "concern", _("気になる点あり")

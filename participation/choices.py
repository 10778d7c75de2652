from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.choices import RecordKind


class OpportunityKind(models.TextChoices):
    PLACE = "place", _("居場所")
    VOLUNTEER = "volunteer", _("ボランティア")
    WORK_EXPERIENCE = "work_experience", _("就労体験")
    AGRI_WELFARE = "agri_welfare", _("農福連携")
    HOBBY = "hobby", _("趣味活動")
    LEARNING = "learning", _("学習")
    OTHER = "other", _("その他")


# Days of the week, Monday first as in datetime.weekday(); stored as a bitmask
# (bit n set = open on weekday n) so "open on Wednesday" is one SQL condition.
WEEKDAYS = [
    (0, _("月")),
    (1, _("火")),
    (2, _("水")),
    (3, _("木")),
    (4, _("金")),
    (5, _("土")),
    (6, _("日")),
]


def days_to_mask(days) -> int:
    mask = 0
    for day in days:
        mask |= 1 << int(day)
    return mask


def mask_to_days(mask: int) -> list[int]:
    return [day for day, _label in WEEKDAYS if mask & (1 << day)]


class HostContactMethod(models.TextChoices):
    VISIT = "visit", _("訪問")
    HEARING = "hearing", _("ヒアリング")
    PHONE = "phone", _("電話")
    OTHER = "other", _("その他")


class HostOutcome(models.TextChoices):
    ACCEPTING = "accepting", _("受入可能")
    CONSIDERING = "considering", _("検討中")
    DIFFICULT = "difficult", _("受入困難")
    INFORMATION = "information", _("情報収集のみ")


class PlacementStatus(models.TextChoices):
    COORDINATING = "coordinating", _("調整中")
    TRIAL = "trial", _("体験中")
    SETTLED = "settled", _("定着")
    ENDED = "ended", _("終了")


PLACEMENT_TRANSITIONS = {
    PlacementStatus.COORDINATING: {PlacementStatus.TRIAL, PlacementStatus.ENDED},
    PlacementStatus.TRIAL: {PlacementStatus.SETTLED, PlacementStatus.ENDED},
    PlacementStatus.SETTLED: {PlacementStatus.ENDED},
    PlacementStatus.ENDED: set(),
}


class EndReason(models.TextChoices):
    GRADUATED = "graduated", _("目標達成・次の段階へ")
    PERSON_WISH = "person_wish", _("本人の希望")
    HOST_REASON = "host_reason", _("受入先の事情")
    HEALTH = "health", _("体調・生活環境の変化")
    NO_CONTACT = "no_contact", _("連絡が取れない")
    OTHER = "other", _("その他")


class FollowUpMethod(models.TextChoices):
    INTERVIEW = "interview", _("面談")
    PHONE = "phone", _("電話")
    VISIT = "visit", _("訪問")
    ACCOMPANY = "accompany", _("同行")
    HOST_COORDINATION = "host", _("受入先との調整")


RECORD_KIND_FOR_FOLLOW_UP = {
    FollowUpMethod.INTERVIEW: RecordKind.INTERVIEW,
    FollowUpMethod.PHONE: RecordKind.PHONE,
    FollowUpMethod.VISIT: RecordKind.VISIT,
    FollowUpMethod.ACCOMPANY: RecordKind.ACCOMPANY,
    FollowUpMethod.HOST_COORDINATION: RecordKind.COORDINATION,
}

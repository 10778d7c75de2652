from django.db import models
from django.utils.translation import gettext_lazy as _


class ResourceKind(models.TextChoices):
    PLACE = "place", _("居場所")
    SALON = "salon", _("サロン")
    CHILDREN_CAFETERIA = "kodomo_shokudo", _("子ども食堂")
    COMMUNITY_CAFETERIA = "chiiki_shokudo", _("地域食堂")
    GATHERING = "kayoi", _("通いの場")
    COUNCIL = "kyogitai", _("協議体")
    MUTUAL_AID_NETWORK = "sasaeai", _("支え愛連絡会")
    OTHER = "other", _("その他")


# Participants are counted by age band (integers, never names) so a 多世代 activity
# shows in the figures.
AGE_BANDS = [
    ("children", _("子ども（0〜17歳）")),
    ("youth", _("若者（18〜39歳）")),
    ("middle_aged", _("中高年（40〜64歳）")),
    ("elderly", _("高齢者（65歳以上）")),
]
# An activity is 多世代 when people of at least this many age bands took part.
MULTIGENERATIONAL_BANDS = 3


class IssueSource(models.TextChoices):
    MEETING = "meeting", _("会議")
    CASES = "cases", _("ケース")
    RESIDENTS = "residents", _("住民")
    OTHER = "other", _("その他")


class IssueStatus(models.TextChoices):
    RAISED = "raised", _("提起")
    DISCUSSING = "discussing", _("検討中")
    ACTING = "acting", _("対応中")
    RESOLVED = "resolved", _("解決")


ISSUE_TRANSITIONS = {
    IssueStatus.RAISED: {IssueStatus.DISCUSSING, IssueStatus.ACTING, IssueStatus.RESOLVED},
    IssueStatus.DISCUSSING: {IssueStatus.ACTING, IssueStatus.RESOLVED},
    IssueStatus.ACTING: {IssueStatus.DISCUSSING, IssueStatus.RESOLVED},
    # Reopened when the problem comes back; the earlier resolution stays in history.
    IssueStatus.RESOLVED: {IssueStatus.ACTING},
}
OPEN_ISSUE_STATUSES = [IssueStatus.RAISED, IssueStatus.DISCUSSING, IssueStatus.ACTING]

from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyKind(models.TextChoices):
    MUNICIPAL_DEPT = "municipal_dept", _("役場関係課")
    OTHER_MUNICIPALITY = "other_municipality", _("他市町村行政")
    SOCIAL_WELFARE_COUNCIL = "swc", _("社会福祉協議会")
    WELFARE_OFFICE = "welfare_office", _("福祉事務所")
    MEDICAL = "medical", _("医療機関")
    CONSUMER_CENTER = "consumer_center", _("消費生活センター")
    HELLO_WORK = "hello_work", _("職業安定所")
    YOUTH_SUPPORT = "youth_support", _("地域若者サポートステーション")
    RESCUE = "rescue", _("レスキュー事業")
    CONSULTATION_SUPPORT = "consultation_support", _("相談支援事業所")
    CARE_MANAGEMENT = "care_management", _("居宅介護支援事業所")
    COMMUNITY_GENERAL_SUPPORT = "chiiki_houkatsu", _("地域包括支援センター")
    SELF_RELIANCE_SUPPORT = "self_reliance", _("生活困窮者自立相談支援機関")
    CHILD_REARING = "child_rearing", _("子育て世代包括支援センター")
    WELFARE_VOLUNTEER = "minsei_iin", _("民生委員・児童委員")
    OTHER = "other", _("その他")


class Role(models.TextChoices):
    COUNSELOR = "counselor", _("相談員")
    COORDINATOR = "coordinator", _("相談支援包括化推進員")
    MANAGER = "manager", _("管理者")
    PARTNER_STAFF = "partner_staff", _("機関職員")
    MUNICIPAL_STAFF = "municipal_staff", _("庁内職員")


# Roles that work on case contents. 庁内職員 only send つなぐシート.
CASE_ROLES = {Role.COUNSELOR, Role.COORDINATOR, Role.MANAGER, Role.PARTNER_STAFF}
# Roles that may request the monthly statistics.
STATISTICS_ROLES = {Role.COORDINATOR, Role.MANAGER}

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    VISIT_DESK = "desk", _("来所")
    PHONE = "phone", _("電話")
    HOME_VISIT = "visit", _("訪問")
    EMAIL = "email", _("メール")
    AGENCY = "agency", _("関係機関から")
    MUNICIPAL = "municipal", _("庁内他課から")


class CameFrom(models.TextChoices):
    SELF = "self", _("本人")
    FAMILY = "family", _("家族")
    AGENCY = "agency", _("関係機関")
    WELFARE_VOLUNTEER = "minsei", _("民生委員")
    NEIGHBOUR = "neighbour", _("近隣")
    MUNICIPAL = "municipal", _("庁内他課")
    OTHER = "other", _("その他")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("通常")
    SOON = "soon", _("早めの対応")
    URGENT = "urgent", _("緊急")


class ConsentAtIntake(models.TextChoices):
    YES = "yes", _("同意あり")
    NO = "no", _("同意なし")
    UNKNOWN = "unknown", _("未確認")


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("その場で解決")
    INFORMATION = "information", _("情報提供")
    REFERRED = "referred", _("他機関へ繋ぎ")
    ONGOING = "ongoing", _("継続支援")


class SheetTopic(models.TextChoices):
    """相談内容 check boxes of the つなぐシート."""

    HEALTH = "health", _("病気や健康")
    MIND = "mind", _("心の悩み")
    DISABILITY = "disability", _("障がい")
    CARE = "care", _("介護")
    CHILD_REARING = "child_rearing", _("子育て")
    HIKIKOMORI = "hikikomori", _("ひきこもり")
    TAX = "tax", _("税金や公共料金の支払い")
    LIVING_COST = "living_cost", _("生活費・家計")
    DEBT = "debt", _("債務")
    CONSUMER = "consumer", _("消費生活相談")
    DV_ABUSE = "dv_abuse", _("DV・虐待")
    GUARDIANSHIP = "guardianship", _("成年後見・権利擁護")
    EDUCATION = "education", _("教育")
    WORK = "work", _("就労")
    OTHER = "other", _("その他")


class ContactMethod(models.TextChoices):
    HOME_PHONE = "home_phone", _("自宅電話")
    MOBILE = "mobile", _("携帯電話")
    EMAIL = "email", _("メール")
    VISIT = "visit", _("訪問")
    VIA_SENDER = "via_sender", _("担当課を通じて")


class SheetStatus(models.TextChoices):
    SENT = "sent", _("送付済み（窓口の確認待ち）")
    TAKEN_UP = "taken_up", _("窓口で受付済み")
    RETURNED = "returned", _("差し戻し")

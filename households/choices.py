from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    FEMALE = "female", _("女性")
    MALE = "male", _("男性")
    OTHER = "other", _("その他")
    UNKNOWN = "unknown", _("不明・回答なし")


class Relationship(models.TextChoices):
    HEAD = "head", _("世帯主")
    SPOUSE = "spouse", _("配偶者")
    CHILD = "child", _("子")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孫")
    GRANDPARENT = "grandparent", _("祖父母")
    SIBLING = "sibling", _("兄弟姉妹")
    CHILD_IN_LAW = "child_in_law", _("子の配偶者")
    OTHER_RELATIVE = "other_relative", _("その他の親族")
    NON_RELATIVE = "non_relative", _("同居人")


class ConsentMethod(models.TextChoices):
    SIGNED = "signed", _("署名")
    ORAL = "oral", _("口頭")


class ExemptionReason(models.TextChoices):
    """The legal exemptions under which a person's data passes between agencies without
    their consent (個人情報保護法の例外). Kept here, below intake and cases, so that
    both ask one rule (households.access.require_basis_to_pass_on)."""

    LIFE = "life", _("人の生命、身体又は財産の保護のために必要")
    LAW = "law", _("法令に基づく場合")
    PUBLIC_HEALTH = "public_health", _("公衆衛生の向上・児童の健全な育成のために特に必要")
    PUBLIC_DUTY = "public_duty", _("国の機関等の法令事務への協力")


class ConsentState(models.TextChoices):
    VALID = "valid", _("有効")
    EXPIRED = "expired", _("期限切れ")
    WITHDRAWN = "withdrawn", _("撤回")
    NOT_YET = "not_yet", _("開始前")


class RelatedRelation(models.TextChoices):
    """How a person outside the household relates to someone on the genogram (seen from
    that someone: 「健一の父」 is FATHER of 健一)."""

    FATHER = "father", _("父")
    MOTHER = "mother", _("母")
    SPOUSE = "spouse", _("配偶者")
    SEPARATED = "separated", _("配偶者（別居中）")
    FORMER_SPOUSE = "former_spouse", _("元配偶者（離婚）")
    CHILD = "child", _("子（別居）")
    SIBLING = "sibling", _("兄弟姉妹（別居）")
    OTHER = "other", _("その他の関係者")


class EcoTieKind(models.TextChoices):
    """The kind of relation an eco-map line shows (set by the worker)."""

    NORMAL = "normal", _("普通")
    SUPPORTIVE = "supportive", _("支援的（強い）")
    WEAK = "weak", _("希薄")
    STRESSFUL = "stressful", _("ストレス・対立")

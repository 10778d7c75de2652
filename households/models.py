import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from accounts.models import Agency
from common import kana
from common.attachments import AttachmentBase
from common.models import Versioned
from common.wareki import age_on
from households.choices import (
    ConsentMethod,
    ConsentState,
    EcoTieKind,
    RelatedRelation,
    Relationship,
    Sex,
)


class District(models.Model):
    """行政区."""

    name = models.CharField(_("行政区名"), max_length=100, unique=True)
    code = models.CharField(_("コード"), max_length=20, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("行政区")
        verbose_name_plural = _("行政区")
        ordering = ["code", "name"]

    def __str__(self):
        return self.name


class Household(Versioned):
    """世帯. 住所秘匿 hides address and phone from everyone but the lead agency."""

    name = models.CharField(_("世帯の呼び名"), max_length=100, help_text=_("例: 山田さん世帯"))
    postal_code = models.CharField(_("郵便番号"), max_length=10, blank=True)
    address = models.CharField(_("住所"), max_length=300, blank=True)
    district = models.ForeignKey(
        District,
        verbose_name=_("行政区"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="households",
    )
    phone = models.CharField(_("電話"), max_length=30, blank=True)
    phone_digits = models.CharField(max_length=20, blank=True, editable=False, db_index=True)
    notes = models.TextField(_("備考"), blank=True)
    is_address_confidential = models.BooleanField(
        _("住所秘匿"), default=False, help_text=_("DV・虐待等により住所・連絡先・所在を秘匿する")
    )
    registered_by_agency = models.ForeignKey(
        Agency, verbose_name=_("登録機関"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("世帯")
        verbose_name_plural = _("世帯")
        permissions = [("view_confidential_household", _("秘匿された住所・連絡先を見る"))]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.normalise()
        super().save(*args, **kwargs)

    def normalise(self) -> None:
        """The derived search columns, set by save() and by the bulk services."""
        self.phone_digits = kana.normalise_phone(self.phone)

    def current_memberships(self):
        return self.memberships.filter(until__isnull=True).select_related("person")


class HouseholdUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Household, on_delete=models.CASCADE)


class HouseholdGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Household, on_delete=models.CASCADE)


class PersonQuerySet(models.QuerySet):
    def kana_prefix(self, text: str):
        value = kana.normalise_kana(text)
        return self.filter(name_kana__startswith=value) if value else self.none()


class Person(Versioned):
    family_name = models.CharField(_("姓"), max_length=50)
    given_name = models.CharField(_("名"), max_length=50, blank=True)
    family_name_kana = models.CharField(_("せい（ふりがな）"), max_length=100)
    given_name_kana = models.CharField(_("めい（ふりがな）"), max_length=100, blank=True)
    name_kana = models.CharField(max_length=200, editable=False, db_index=True)
    birth_date = models.DateField(_("生年月日"), null=True, blank=True, db_index=True)
    sex = models.CharField(_("性別"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    phone = models.CharField(_("電話（自宅）"), max_length=30, blank=True)
    mobile_phone = models.CharField(_("電話（携帯）"), max_length=30, blank=True)
    phone_digits = models.CharField(max_length=20, blank=True, editable=False, db_index=True)
    mobile_digits = models.CharField(max_length=20, blank=True, editable=False, db_index=True)
    email = models.EmailField(_("メール"), blank=True)
    has_care_certification = models.BooleanField(_("要介護認定"), default=False)
    has_disability_certificate = models.BooleanField(_("障害者手帳"), default=False)
    receives_public_assistance = models.BooleanField(_("生活保護受給"), default=False)
    needs_interpreter = models.BooleanField(_("外国籍・通訳要"), default=False)
    notes = models.TextField(_("備考"), blank=True)
    registered_by_agency = models.ForeignKey(
        Agency, verbose_name=_("登録機関"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("人")
        verbose_name_plural = _("人")
        indexes = [models.Index(fields=["name_kana", "birth_date"])]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.family_name} {self.given_name}".strip()

    @property
    def full_name_kana(self) -> str:
        return f"{self.family_name_kana} {self.given_name_kana}".strip()

    @property
    def age(self) -> int | None:
        return age_on(self.birth_date, timezone.localdate())

    def save(self, *args, **kwargs):
        self.normalise()
        super().save(*args, **kwargs)

    def normalise(self) -> None:
        """The normalised kana and the derived search columns, set by save() and by the
        bulk services."""
        self.family_name_kana = kana.normalise_kana(self.family_name_kana)
        self.given_name_kana = kana.normalise_kana(self.given_name_kana)
        self.name_kana = self.family_name_kana + self.given_name_kana
        self.phone_digits = kana.normalise_phone(self.phone)
        self.mobile_digits = kana.normalise_phone(self.mobile_phone)


class HouseholdMembership(Versioned):
    """A person's place in a household over time (続柄, since, until)."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="household_memberships"
    )
    relationship = models.CharField(_("続柄"), max_length=20, choices=Relationship.choices)
    since = models.DateField(_("転入・加入日"), null=True, blank=True)
    until = models.DateField(_("転出・離脱日"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("世帯員")
        verbose_name_plural = _("世帯員")
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(until__isnull=True), name="one_current_household"
            )
        ]

    def __str__(self):
        return f"{self.household} / {self.person} ({self.get_relationship_display()})"


class ConsentQuerySet(models.QuerySet):
    def valid_on(self, day: dt.date | None = None):
        day = day or timezone.localdate()
        return self.filter(obtained_on__lte=day, withdrawn_on__isnull=True).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=day)
        )


class Consent(Versioned):
    """本人同意: a person agrees that named agencies may share information for a purpose."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="consents")
    agencies = models.ManyToManyField(Agency, verbose_name=_("共有先機関"), related_name="consents")
    purpose = models.TextField(_("目的"))
    method = models.CharField(_("方法"), max_length=10, choices=ConsentMethod.choices)
    obtained_on = models.DateField(_("同意日"))
    expires_on = models.DateField(_("有効期限"), null=True, blank=True)
    withdrawn_on = models.DateField(_("撤回日"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("記録者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[agencies])

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("本人同意")
        verbose_name_plural = _("本人同意")
        ordering = ["-obtained_on", "-pk"]

    def __str__(self):
        return f"{self.person} {self.obtained_on}"

    def state(self, day: dt.date | None = None) -> str:
        day = day or timezone.localdate()
        if self.withdrawn_on and self.withdrawn_on <= day:
            return ConsentState.WITHDRAWN
        if self.expires_on and self.expires_on < day:
            return ConsentState.EXPIRED
        if self.obtained_on > day:
            return ConsentState.NOT_YET
        return ConsentState.VALID

    def get_state_display(self) -> str:
        return ConsentState(self.state()).label

    def is_valid(self, day: dt.date | None = None) -> bool:
        return self.state(day) == ConsentState.VALID


class RelatedPerson(Versioned):
    """A relative or other person outside the household, drawn on the genogram beside
    the member (or other related person) they relate to: a deceased spouse, a daughter
    who married out, her child. Not a Person: no contact data, no case of their own."""

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="related_persons"
    )
    of_person = models.ForeignKey(
        Person,
        verbose_name=_("誰の"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    of_related = models.ForeignKey(
        "self",
        verbose_name=_("誰の（関係者）"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    relation = models.CharField(_("関係"), max_length=20, choices=RelatedRelation.choices)
    label = models.CharField(_("呼び名"), max_length=50, help_text=_("例: 長女 由美"))
    sex = models.CharField(_("性別"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_date = models.DateField(_("生年月日"), null=True, blank=True)
    is_deceased = models.BooleanField(_("死亡"), default=False)
    died_on = models.DateField(_("死亡日"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("世帯外の関係者")
        verbose_name_plural = _("世帯外の関係者")
        ordering = ["pk"]

    def __str__(self):
        return self.label

    @property
    def age(self) -> int | None:
        if self.is_deceased or self.died_on:
            return age_on(self.birth_date, self.died_on) if self.died_on else None
        return age_on(self.birth_date, timezone.localdate())


class EcoMapTie(Versioned):
    """The kind of line the worker set between a household and one eco-map node
    ("agency:12", "opportunity:3"); a node without a row is drawn as an ordinary line."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="eco_ties")
    node_key = models.CharField(max_length=50)
    kind = models.CharField(_("関係"), max_length=20, choices=EcoTieKind.choices)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("エコマップの関係")
        verbose_name_plural = _("エコマップの関係")
        constraints = [
            models.UniqueConstraint(fields=["household", "node_key"], name="one_tie_per_node")
        ]

    def __str__(self):
        return f"{self.household_id} {self.node_key} {self.kind}"


class HouseholdAttachment(AttachmentBase):
    """A scanned letter, notice or photo kept on the household (common/attachments.py)."""

    owner = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("世帯")
    )

    class Meta(AttachmentBase.Meta):
        verbose_name = _("世帯の添付ファイル")
        verbose_name_plural = _("世帯の添付ファイル")


class ConsentAttachment(AttachmentBase):
    """The scanned 同意書 (or another document) of a consent."""

    owner = models.ForeignKey(
        Consent, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("本人同意")
    )

    class Meta(AttachmentBase.Meta):
        verbose_name = _("本人同意の添付ファイル")
        verbose_name_plural = _("本人同意の添付ファイル")

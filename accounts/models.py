from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.choices import CASE_ROLES, STATISTICS_ROLES, AgencyKind, Role
from common.model_mixins import ChoiceLabels
from common.models import Versioned


class User(AbstractUser):
    """A person who logs in. Administrators are is_staff users; they hold no membership
    and so read no case contents."""

    display_name = models.CharField(_("表示名"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("利用者")
        verbose_name_plural = _("利用者")

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username

    @property
    def is_administrator(self) -> bool:
        """Staff or superuser: manages users and master data and acts for no agency.
        accounts.services refuses such an account a membership; should one exist all
        the same (older data, the shell), it gives no access: the membership readers
        below ignore it, and the case and household access checks read them."""
        return self.is_staff or self.is_superuser

    def active_memberships(self):
        if self.is_administrator:
            return []
        return [m for m in self.memberships.all() if m.is_active and m.agency.is_active]

    def _load_memberships(self) -> None:
        """One query fills the user's active agencies, their groups and roles, whether
        they are desk staff and the agency they act for (cached on this object, so once
        per request however often views, the menu and the layout ask)."""
        rows = []
        if not self.is_administrator:
            rows = list(
                self.memberships.filter(is_active=True, agency__is_active=True)
                .select_related("agency")
                .order_by("-agency__is_desk", "pk")
            )
        self._agency_ids = sorted({m.agency_id for m in rows})
        self._case_agency_ids = sorted({m.agency_id for m in rows if m.role in CASE_ROLES})
        self._group_ids = sorted({m.agency.group_id for m in rows if m.agency.group_id})
        self._roles = {m.role for m in rows}
        self._is_desk_staff = any(m.agency.is_desk and m.role in CASE_ROLES for m in rows)
        self._primary_agency = rows[0].agency if rows else None

    @property
    def agency_ids(self) -> list[int]:
        """Agencies whose staff this user is."""
        if not hasattr(self, "_agency_ids"):
            self._load_memberships()
        return self._agency_ids

    @property
    def case_agency_ids(self) -> list[int]:
        """Agencies in which this user works on cases (a case role there)."""
        if not hasattr(self, "_case_agency_ids"):
            self._load_memberships()
        return self._case_agency_ids

    @property
    def agency_group_ids(self) -> list[int]:
        """The auth groups of those agencies: guardian grants are held by them."""
        if not hasattr(self, "_group_ids"):
            self._load_memberships()
        return self._group_ids

    def roles(self) -> set[str]:
        if not hasattr(self, "_roles"):
            self._load_memberships()
        return self._roles

    def has_role(self, *roles) -> bool:
        return bool(self.roles() & set(roles))

    @property
    def manages_staff(self) -> bool:
        """An active 管理者 of some agency: the 職員 page (accounts:staff) is theirs."""
        return Role.MANAGER in self.roles()

    @property
    def works_on_cases(self) -> bool:
        return bool(self.roles() & CASE_ROLES)

    @property
    def can_request_statistics(self) -> bool:
        return bool(self.roles() & STATISTICS_ROLES)

    @property
    def is_desk_staff(self) -> bool:
        """Staff of the municipal 福祉の相談窓口 (the desk agency) in a case role."""
        if not hasattr(self, "_is_desk_staff"):
            self._load_memberships()
        return self._is_desk_staff

    @property
    def primary_agency(self):
        """The agency the user acts for (the desk first)."""
        if not hasattr(self, "_primary_agency"):
            self._load_memberships()
        return self._primary_agency


class Agency(Versioned):
    """関係機関: the desk itself, partner agencies, other municipal departments."""

    name = models.CharField(_("機関名"), max_length=200, unique=True)
    kind = models.CharField(_("種別"), max_length=40, choices=AgencyKind.choices)
    is_desk = models.BooleanField(
        _("福祉の相談窓口"), default=False, help_text=_("重層的支援の相談窓口を担う機関")
    )
    address = models.CharField(_("住所"), max_length=300, blank=True)
    phone = models.CharField(_("電話"), max_length=30, blank=True)
    email = models.EmailField(_("メール"), blank=True)
    hours = models.CharField(_("受付時間"), max_length=200, blank=True)
    handles = models.TextField(_("対応できる内容"), blank=True)
    contact_person = models.CharField(_("担当者"), max_length=100, blank=True)
    is_active = models.BooleanField(_("有効"), default=True)
    group = models.OneToOneField(
        Group, on_delete=models.PROTECT, related_name="agency", null=True, editable=False
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("関係機関")
        verbose_name_plural = _("関係機関")
        ordering = ["-is_desk", "kind", "name"]

    def __str__(self):
        return self.name


class Membership(ChoiceLabels, models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("役割"), max_length=30, choices=Role.choices)
    is_active = models.BooleanField(_("有効"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("所属")
        verbose_name_plural = _("所属")
        constraints = [
            models.UniqueConstraint(fields=["user", "agency"], name="membership_unique_user_agency")
        ]

    def __str__(self):
        return f"{self.user} / {self.agency} / {self.get_role_display()}"


class AppendOnlyQuerySet(models.QuerySet):
    """The audit tables only grow: no QuerySet path updates or deletes their rows.

    Instance save() of an existing row and delete() refuse too (see the models). Rows
    are written with create() / bulk_create() only.
    """

    def _refuse(self, *args, **kwargs):
        raise PermissionError(f"{self.model.__name__} rows are append-only")

    update = _refuse
    delete = _refuse
    bulk_update = _refuse
    # The private paths behind update() and fast deletes.
    _update = _refuse
    _raw_delete = _refuse


class AuditRow(models.Model):
    """A row of an audit table: when, and about which object. Append-only: save() of
    an existing row and delete() refuse, as AppendOnlyQuerySet does for querysets."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    object_type = models.CharField(max_length=50)
    object_id = models.CharField(max_length=50)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(f"{type(self).__name__} rows are append-only")


class AccessLog(AuditRow):
    """Who read which personal record, when. Append-only: the application never
    updates or deletes a row (see AuditRow and AppendOnlyQuerySet)."""

    class Outcome(models.TextChoices):
        READ = "read", _("閲覧")
        DENIED = "denied", _("拒否")
        EXPORT = "export", _("出力")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    person_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.READ)
    path = models.CharField(max_length=300, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("閲覧記録")
        verbose_name_plural = _("閲覧記録")
        indexes = [models.Index(fields=["object_type", "object_id"])]


class ActionLog(AuditRow):
    """Domain events (`cases.case.closed`), one row per service call that changes things."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    action = models.CharField(max_length=100, db_index=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("操作記録")
        verbose_name_plural = _("操作記録")
        indexes = [models.Index(fields=["object_type", "object_id"])]

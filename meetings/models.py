"""Meetings: 支援会議, 重層的支援会議 and the other tables where agencies meet.

Writes go through meetings.services; who may see what is decided in
meetings/selectors.py (meetings) on top of cases.sharing (cases).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Agency
from cases.choices import CloseReason
from cases.models import Case, SupportPlan
from common.attachments import AttachmentBase
from common.models import Versioned
from meetings.choices import CONFIDENTIAL_KINDS, Decision, MeetingKind, MeetingStatus, Topic


def _by_user(*, optional: bool = False):
    """Who did something (created, recorded, finalised, …): a user kept while rows
    name them (PROTECT), with no reverse accessor on the user."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=optional,
        blank=optional,
        related_name="+",
    )


class Meeting(Versioned):
    kind = models.CharField(_("会議の種類"), max_length=20, choices=MeetingKind.choices)
    title = models.CharField(_("会議名"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("開始日時"), db_index=True)
    ends_at = models.DateTimeField(_("終了日時"), null=True, blank=True)
    place = models.CharField(_("場所"), max_length=200, blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("議長"),
        on_delete=models.PROTECT,
        related_name="chaired_meetings",
    )
    organising_agency = models.ForeignKey(
        Agency,
        verbose_name=_("主催機関"),
        on_delete=models.PROTECT,
        related_name="organised_meetings",
    )
    status = models.CharField(
        _("状態"),
        max_length=20,
        choices=MeetingStatus.choices,
        default=MeetingStatus.SCHEDULED,
        db_index=True,
    )
    finalised_at = models.DateTimeField(_("確定日時"), null=True, blank=True)
    finalised_by = _by_user(optional=True)
    cancelled_at = models.DateTimeField(_("中止日時"), null=True, blank=True)
    cancelled_by = _by_user(optional=True)
    cancel_reason = models.TextField(_("中止の理由"), blank=True)
    created_by = _by_user()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("会議")
        verbose_name_plural = _("会議")
        ordering = ["-starts_at", "-pk"]
        indexes = [
            models.Index(fields=["organising_agency", "starts_at"]),
            models.Index(fields=["kind", "starts_at"]),
        ]

    def __str__(self):
        return self.display_title

    @property
    def display_title(self) -> str:
        return self.title or str(self.get_kind_display())

    @property
    def is_confidential(self) -> bool:
        """支援会議: shared without consent, members bound by 守秘義務."""
        return self.kind in CONFIDENTIAL_KINDS

    @property
    def needs_consent(self) -> bool:
        return self.kind not in CONFIDENTIAL_KINDS

    @property
    def is_multilayer(self) -> bool:
        return self.kind == MeetingKind.MULTILAYER_MEETING

    @property
    def is_open_for_minutes(self) -> bool:
        return self.status == MeetingStatus.SCHEDULED

    @property
    def is_finalised(self) -> bool:
        return self.status == MeetingStatus.FINALISED

    @property
    def is_cancelled(self) -> bool:
        return self.status == MeetingStatus.CANCELLED


class MeetingMember(models.Model):
    """構成員, chosen per meeting. For a 支援会議 the member sees nothing of the cases
    until their 守秘義務 acknowledgement is recorded (by themselves, or by the desk
    when the member signed the written pledge)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("構成員"),
        on_delete=models.PROTECT,
        related_name="meeting_memberships",
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("所属機関"), on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("守秘義務の確認日時"), null=True, blank=True)
    acknowledgement_recorded_by = _by_user(optional=True)
    added_by = _by_user()
    added_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("構成員")
        verbose_name_plural = _("構成員")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="meeting_member_once")
        ]

    def __str__(self):
        return f"{self.user}（{self.agency}）"

    @property
    def has_acknowledged(self) -> bool:
        return self.acknowledged_at is not None


class MeetingAttendee(models.Model):
    """A user who attended (出席)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("出席者"),
        on_delete=models.PROTECT,
        related_name="meeting_attendances",
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("所属機関"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = _by_user()
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="meeting_attendee_once")
        ]


class ExternalAttendee(models.Model):
    """Someone without a login who attended: the person, family, 民生委員, …"""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="external_attendees"
    )
    name = models.CharField(_("氏名"), max_length=100)
    organisation = models.CharField(_("所属"), max_length=200, blank=True)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("関係機関"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("登録済みの関係機関の職員であれば選んでください（本人同意の確認に使います）。"),
    )
    role = models.CharField(_("役割・立場"), max_length=100, blank=True)
    acknowledged = models.BooleanField(_("守秘義務の誓約を受けた"), default=False)
    recorded_by = _by_user()
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.name


class AgendaItem(Versioned):
    """議題: a case (with the brief the desk prepared) or a policy topic, and what the
    meeting said and decided about it."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveIntegerField(default=0)
    topic = models.CharField(_("議題の種類"), max_length=30, choices=Topic.choices)
    case = models.ForeignKey(
        Case,
        verbose_name=_("ケース"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_items",
    )
    title = models.CharField(_("議題"), max_length=200, blank=True)
    brief = models.TextField(
        _("会議資料（検討する状況）"),
        blank=True,
        help_text=_("会議で検討する状況を簡潔に。構成員が会議前に読みます。"),
    )
    discussion = models.TextField(_("協議内容"), blank=True)
    decisions = models.TextField(_("決定事項"), blank=True)
    next_review_on = models.DateField(_("次回検討日"), null=True, blank=True)
    decision = models.CharField(
        _("会議の決定"), max_length=20, choices=Decision.choices, blank=True
    )
    decision_reason = models.TextField(_("決定の理由"), blank=True)
    close_reason_kind = models.CharField(
        _("終結理由"), max_length=20, choices=CloseReason.choices, blank=True
    )
    plan = models.ForeignKey(
        SupportPlan,
        verbose_name=_("支援プラン"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_items",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = _by_user(optional=True)
    minutes_saved_at = models.DateTimeField(null=True, blank=True)
    minutes_saved_by = _by_user(optional=True)
    created_by = _by_user()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("議題")
        verbose_name_plural = _("議題")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "case"],
                condition=Q(case__isnull=False),
                name="meeting_case_once",
            ),
            models.CheckConstraint(
                condition=Q(topic="case", case__isnull=False) | (~Q(topic="case") & Q(case=None)),
                name="agenda_case_iff_case_topic",
            ),
        ]
        indexes = [models.Index(fields=["case", "meeting"])]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        if self.case_id and not self.title:
            return self.case.title
        return self.title or str(self.get_topic_display())


class RoleAssignment(models.Model):
    """役割分担 (agency × task × due date); open rows are the agency's tasks (「自機関の担当」)."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="roles")
    agency = models.ForeignKey(
        Agency, verbose_name=_("担当機関"), on_delete=models.PROTECT, related_name="meeting_tasks"
    )
    task = models.CharField(_("役割・対応内容"), max_length=300)
    due_on = models.DateField(_("期限"), null=True, blank=True)
    done_at = models.DateTimeField(_("完了日時"), null=True, blank=True)
    done_by = _by_user(optional=True)
    created_by = _by_user()
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("役割分担")
        verbose_name_plural = _("役割分担")
        ordering = ["pk"]
        indexes = [
            models.Index(
                fields=["agency", "due_on"],
                condition=Q(done_at__isnull=True),
                name="meeting_task_open_by_agency",
            )
        ]

    def __str__(self):
        return f"{self.agency}: {self.task}"


class MinutesAddendum(models.Model):
    """A dated addition to finalised minutes; never edited (the minutes stay as
    finalised, history shows who added what and when)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="addenda")
    item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("議題"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="addenda",
    )
    text = models.TextField(_("追記"))
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = _by_user()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("議事録の追記")
        verbose_name_plural = _("議事録の追記")
        ordering = ["added_at", "pk"]


class MeetingAttachment(AttachmentBase):
    """A handout or document of a meeting; read by the meeting's readers only
    (a 支援会議's members after acknowledging 守秘義務)."""

    owner = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("会議")
    )

    class Meta(AttachmentBase.Meta):
        verbose_name = _("会議の添付ファイル")
        verbose_name_plural = _("会議の添付ファイル")

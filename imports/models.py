from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency


class BatchStatus(models.TextChoices):
    PREVIEW = "preview", _("確認中（まだ取り込んでいません）")
    QUEUED = "queued", _("取込待ち")
    RUNNING = "running", _("取込中")
    DONE = "done", _("取込完了")
    FAILED = "failed", _("取り込めませんでした")


PENDING = [BatchStatus.QUEUED, BatchStatus.RUNNING]


class RowState(models.TextChoices):
    PENDING = "pending", _("取込前")
    ALREADY = "already", _("取込済み（変更しません）")
    WRITTEN = "written", _("取り込みました")
    SKIPPED = "skipped", _("エラーのため取り込みませんでした")
    FAILED = "failed", _("取り込めませんでした")


class Decision(models.TextChoices):
    SAME = "same", _("同一人物として扱う")
    NEW = "new", _("別の人として新しく登録する")


class HouseholdDecision(models.TextChoices):
    SAME = "same", _("登録済みの世帯として扱う")
    NEW = "new", _("別の世帯として新しく登録する")


class TaskRun(models.Model):
    """What a row run by a Celery task shows while it runs and after: how far it got,
    the Japanese error it failed with, and when it finished."""

    progress = models.PositiveSmallIntegerField(_("進捗（%）"), default=0)
    error = models.TextField(_("エラー"), blank=True)
    finished_at = models.DateTimeField(_("完了日時"), null=True, blank=True)

    class Meta:
        abstract = True


class ImportBatch(TaskRun):
    """One uploaded workbook: read and checked at upload (the preview, nothing written),
    then written by imports_commit_task when the manager says so. The row is the
    source of truth for the task, as reports.MonthlyReport is for the report build.
    Not historied: it records an action of the importing user, whose every write to
    the domain is in that domain's history under their name."""

    agency = models.ForeignKey(
        Agency, verbose_name=_("取込先の機関"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("取り込んだ職員"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    file_name = models.CharField(_("ファイル名"), max_length=255)
    status = models.CharField(
        _("状態"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.PREVIEW
    )
    only_good = models.BooleanField(_("エラーのない行だけ取り込む"), default=False)
    total_rows = models.PositiveIntegerField(_("行数"), default=0)
    error_rows = models.PositiveIntegerField(_("エラーのある行"), default=0)
    already_rows = models.PositiveIntegerField(_("取込済みの行"), default=0)
    written_rows = models.PositiveIntegerField(_("取り込んだ行"), default=0)
    claim_token = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("アップロード日時"), auto_now_add=True)
    started_at = models.DateTimeField(_("開始日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("取込")
        verbose_name_plural = _("取込")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.file_name

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING

    @property
    def is_preview(self) -> bool:
        return self.status == BatchStatus.PREVIEW


class ImportRow(models.Model):
    """One data row of an uploaded sheet: what it said, what is wrong with it, and
    what became of it."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    ledger = models.CharField(max_length=20)
    line = models.PositiveIntegerField(_("行"))
    key = models.CharField(_("キー"), max_length=100, blank=True)
    values = models.JSONField(default=list)  # the cells as text, in column order
    errors = models.JSONField(default=list)  # Japanese messages
    # A person already registered (or an earlier row of the file) with the same kana
    # and birth date: the manager decides "same person" or "new".
    candidate_person = models.ForeignKey(
        "households.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    candidate_key = models.CharField(max_length=100, blank=True)
    candidate_label = models.CharField(max_length=300, blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    # On the row that brings a ledger household in: a household registered here whose
    # members its matched persons are (imports.reader.checks_people); the manager
    # decides "the same household" (nothing new is registered) or "new".
    candidate_household = models.ForeignKey(
        "households.Household", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    household_decision = models.CharField(
        max_length=10, choices=HouseholdDecision.choices, blank=True
    )
    state = models.CharField(max_length=10, choices=RowState.choices, default=RowState.PENDING)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["batch", "pk"]
        indexes = [models.Index(fields=["batch", "ledger", "line"])]

    @property
    def has_candidate(self) -> bool:
        return bool(self.candidate_person_id or self.candidate_key)

    @property
    def same_household(self) -> bool:
        return (
            bool(self.candidate_household_id) and self.household_decision == HouseholdDecision.SAME
        )


class SourceKey(models.Model):
    """(agency, kind, key) → the object a ledger row made: what makes a second import
    of the same file change nothing. kind is household, person, membership,
    consent, consultation, case, record or referral."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20)
    key = models.CharField(max_length=200)
    object_id = models.PositiveBigIntegerField()
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "kind", "key"], name="source_key_once")
        ]


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("作成待ち")
    RUNNING = "running", _("作成中")
    DONE = "done", _("完了")
    FAILED = "failed", _("作成できませんでした")


class DeskExport(TaskRun):
    """A requested export of the desk's ledgers (owner, status, file, expiry): made by
    imports_export_task, downloaded only by its owner after re-authentication."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状態"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    file = models.FileField(_("Excel"), upload_to="imports/", max_length=300, blank=True)
    # The persons the file holds: each download logs an 出力 (EXPORT) of each.
    person_ids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(_("依頼日時"), auto_now_add=True)
    expires_at = models.DateTimeField(_("保存期限"), null=True, blank=True)

    class Meta:
        verbose_name = _("台帳の出力")
        verbose_name_plural = _("台帳の出力")
        ordering = ["-created_at", "-pk"]

    @property
    def is_pending(self) -> bool:
        return self.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def can_download(self) -> bool:
        return self.status == ExportStatus.DONE and bool(self.file.name) and not self.is_expired

"""Attachments (scanned 同意書, letters, photos): the parts with no domain.

Each owner's app (households, intake, cases, meetings) keeps a concrete model on
AttachmentBase and its own upload/download views, which ask that app's access getter
first. This module decides everything that does not depend on who the owner is:

- where files go: the "attachments" storage of settings.STORAGES (a private directory
  on the embedded default, S3-compatible object storage when configured), under a
  random name; the user's file name is only kept, sanitised, in the row;
- what may come in: at most ATTACHMENT_MAX_BYTES, of a type recognised by its content
  (filetype reads the leading bytes; the name and the browser's Content-Type are not
  trusted), and, when a ClamAV daemon is configured, scanned clean (fail closed: an
  unreachable daemon refuses the upload);
- how it goes out: always as a download (Content-Disposition: attachment, the RFC 5987
  filename* for Japanese names), with the type sniffed at upload, nosniff and a sandbox
  CSP, so that nothing is ever rendered inline by the browser.
"""

import datetime as dt
import hashlib
import logging
import re
import secrets
import socket
import struct
import unicodedata
from functools import partial
from pathlib import PurePosixPath

import filetype
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage, storages
from django.db import models, transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _l
from simple_history.models import HistoricalRecords

from common.context_processors import MANAGER_ROLE
from common.services import save_as

logger = logging.getLogger(__name__)

# Sniffed MIME type -> (extension of the stored and offered file, what the page calls it).
# Office files (docx/xlsx) are zip archives that may carry macros or links and that
# filetype recognises only loosely: they are not taken; a desk scans or prints to PDF.
ALLOWED_TYPES = {
    "application/pdf": ("pdf", gettext_lazy("PDF")),
    "image/jpeg": ("jpg", gettext_lazy("JPEG画像")),
    "image/png": ("png", gettext_lazy("PNG画像")),
    "image/tiff": ("tif", gettext_lazy("TIFF画像")),
    "image/heic": ("heic", gettext_lazy("HEIC画像")),
}
EXTENSIONS = {
    "pdf": {"pdf"},
    "jpg": {"jpg", "jpeg", "jpe"},
    "png": {"png"},
    "tif": {"tif", "tiff"},
    "heic": {"heic", "heif"},
}
SNIFF_BYTES = 8192  # what filetype looks at
CHUNK = 64 * 1024


def max_bytes() -> int:
    return settings.ATTACHMENT_MAX_BYTES


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} B"


# ---------------------------------------------------------------- storage


class _AttachmentStorage(Storage):
    """The "attachments" entry of settings.STORAGES, looked up on every use, so a
    FileField bound at import time follows a settings change (tests, deployment)."""

    def __getattribute__(self, name):
        if name.startswith("__"):
            return object.__getattribute__(self, name)
        return getattr(storages["attachments"], name)


_STORAGE = _AttachmentStorage()


def attachment_storage() -> Storage:
    return _STORAGE


def stored_name(instance, filename) -> str:
    """A random name under the owner model's folder; never the user's file name."""
    ext = ALLOWED_TYPES.get(instance.content_type, ("bin", ""))[0]
    return f"{instance._meta.model_name}/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.{ext}"


def sanitise_name(name: str, content_type: str) -> str:
    """The user's file name as kept and offered again: no folders, no control or
    reserved characters, at most 120 characters, and ending in the extension of the type
    the content really is (a PDF named .html is offered as .pdf)."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = PurePosixPath(name.replace("\\", "/")).name
    name = re.sub(r'[\x00-\x1f\x7f<>:"/\\|?*]', "", name).strip(" .")
    ext = ALLOWED_TYPES[content_type][0]
    stem, dot, given = name.rpartition(".")
    if not dot or given.lower() not in EXTENSIONS[ext]:
        stem = name
    else:
        ext = given
    stem = (stem or _("添付ファイル"))[:110]
    return f"{stem}.{ext}"


# ---------------------------------------------------------------- checking an upload


def sniff(uploaded) -> str | None:
    """The MIME type the content says, if it is one we take."""
    uploaded.seek(0)
    head = uploaded.read(SNIFF_BYTES)
    uploaded.seek(0)
    kind = filetype.guess(head)
    if kind is None:
        return None
    mime = "image/heic" if kind.mime == "image/heif" else kind.mime
    return mime if mime in ALLOWED_TYPES else None


class ScanUnavailable(Exception):
    """The configured ClamAV daemon could not be asked."""


def clamd_configured() -> bool:
    return bool(settings.CLAMD_SOCKET or settings.CLAMD_HOST)


def _clamd_connect() -> socket.socket:
    timeout = settings.CLAMD_TIMEOUT
    if settings.CLAMD_SOCKET:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(settings.CLAMD_SOCKET)
        return sock
    return socket.create_connection((settings.CLAMD_HOST, settings.CLAMD_PORT), timeout=timeout)


def clamd_scan(chunks) -> str | None:
    """Send the bytes to clamd (INSTREAM) and return the signature name when it finds
    one, None when clean. Raises ScanUnavailable when clamd cannot answer."""
    try:
        with _clamd_connect() as sock:
            sock.sendall(b"zINSTREAM\0")
            for chunk in chunks:
                for start in range(0, len(chunk), CHUNK):
                    part = chunk[start : start + CHUNK]
                    sock.sendall(struct.pack("!L", len(part)) + part)
            sock.sendall(struct.pack("!L", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                data = sock.recv(4096)
                if not data:
                    break
                reply += data
    except OSError as exc:
        raise ScanUnavailable(str(exc)) from exc
    text = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    if text.endswith(" FOUND"):
        return text.removeprefix("stream:").removesuffix(" FOUND").strip()
    if text.endswith(": OK") or text == "stream: OK":
        return None
    raise ScanUnavailable(text or "no answer")


def check_upload(uploaded) -> str:
    """Refuse what may not be stored; return the sniffed content type. In this order:
    size, the virus scan (so a virus is named as one whatever its type), the type by
    content. Messages are shown beside the file field."""
    size = uploaded.size or 0
    if size == 0:
        raise ValidationError(_("ファイルが空です。"), code="empty")
    if size > max_bytes():
        raise ValidationError(
            _("ファイルが大きすぎます（%(size)s）。%(limit)s までのファイルを添付してください。")
            % {"size": human_size(size), "limit": human_size(max_bytes())},
            code="too_large",
        )
    if clamd_configured():
        try:
            found = clamd_scan(uploaded.chunks())
        except ScanUnavailable:
            raise ValidationError(
                _(
                    "ウイルス検査を実行できないため、添付を受け付けませんでした。"
                    "しばらくしてからもう一度お試しいただき、続く場合は管理者に連絡してください。"
                ),
                code="scan_unavailable",
            ) from None
        finally:
            uploaded.seek(0)
        if found:
            raise ValidationError(
                _(
                    "このファイルからウイルス（%(name)s）が検出されたため、添付を受け付けませんでした。"
                )
                % {"name": found},
                code="infected",
            )
    content_type = sniff(uploaded)
    if content_type is None:
        raise ValidationError(
            _(
                "添付できない種類のファイルです。PDF・JPEG・PNG・TIFF・HEIC のみ添付できます"
                "（ファイル名ではなく中身で判定しています）。"
            ),
            code="type",
        )
    return content_type


class AttachmentForm(forms.Form):
    """Upload a file with a short description. is_valid() runs check_upload;
    content_type holds the sniffed type afterwards."""

    file = forms.FileField(
        label=gettext_lazy("ファイル"),
        help_text=gettext_lazy("PDF・JPEG・PNG・TIFF・HEIC、1件につき%(limit)sまで"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,.tif,.tiff,.heic,.heif"}
        ),
    )
    title = forms.CharField(
        label=gettext_lazy("内容"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("例：同意書のスキャン、通知書、写真"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.content_type = ""
        field = self.fields["file"]
        field.help_text = field.help_text % {"limit": human_size(max_bytes())}

    def clean_title(self):
        return re.sub(r"[\x00-\x1f\x7f]", "", self.cleaned_data["title"]).strip()

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        self.content_type = check_upload(uploaded)
        return uploaded


# ---------------------------------------------------------------- the rows


class AttachmentBase(models.Model):
    """One stored file. Concrete models add the owner's foreign key named `owner`.
    An attachment is never edited and its row is never deleted (it is part of the
    record). A file attached by mistake (another person's letter, the wrong case) is
    withdrawn (取り消し): its bytes are deleted from the storage, and the row stays
    with who withdrew it, when and why, listed without its name."""

    file = models.FileField(
        _l("ファイル"), storage=attachment_storage, upload_to=stored_name, max_length=200
    )
    original_name = models.CharField(_l("ファイル名"), max_length=200)
    title = models.CharField(_l("内容"), max_length=100, blank=True)
    content_type = models.CharField(_l("種類"), max_length=100)
    size = models.PositiveBigIntegerField(_l("大きさ"))
    sha256 = models.CharField(_l("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_l("添付した人"),
    )
    uploaded_at = models.DateTimeField(_l("添付日時"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_l("取り消し日時"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_l("取り消した人"),
    )
    withdrawal_reason = models.CharField(_l("取り消しの理由"), max_length=200, blank=True)
    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return self.original_name

    @property
    def kind_label(self) -> str:
        return str(ALLOWED_TYPES.get(self.content_type, ("", self.content_type))[1])

    @property
    def size_label(self) -> str:
        return human_size(self.size)

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


# ---------------------------------------------------------------- withdrawing one

# Whoever added a file may withdraw it for this long; a 管理者 afterwards.
WITHDRAW_OWN_WINDOW = dt.timedelta(hours=24)


def may_withdraw(user, attachment, *, may_change_owner: bool) -> bool:
    """Whether user may withdraw (取り消し) attachment. may_change_owner is the owner's
    app's answer (its access getter: the right to add to the owner); on top of it, the
    one who added the file may withdraw it within WITHDRAW_OWN_WINDOW, and a 管理者 at
    any time, as long as it is not withdrawn already."""
    if attachment.withdrawn_at is not None or not may_change_owner:
        return False
    if (
        attachment.uploaded_by_id == user.pk
        and timezone.now() - attachment.uploaded_at <= WITHDRAW_OWN_WINDOW
    ):
        return True
    return user.has_role(MANAGER_ROLE)


class AlreadyWithdrawn(Exception):
    """Somebody else withdrew the attachment first."""


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("取り消しの理由"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "例：別の方の書類を誤って添付したため。理由は記録に残り、この添付ファイルの欄に表示されます。"
        ),
        error_messages={"required": gettext_lazy("取り消しの理由を入力してください。")},
    )

    def clean_reason(self):
        reason = re.sub(r"[\x00-\x1f\x7f]", " ", self.cleaned_data["reason"]).strip()
        if not reason:
            raise ValidationError(_("取り消しの理由を入力してください。"), code="required")
        return reason


def attachment_withdraw(attachment, *, actor, reason: str):
    """Withdraw attachment: the row records who, when and why (its history names the
    actor) and forgets where the bytes were; once the transaction commits, the file is
    deleted from the storage. Raises AlreadyWithdrawn when it was withdrawn meanwhile."""
    with transaction.atomic():
        row = type(attachment).objects.select_for_update().get(pk=attachment.pk)
        if row.withdrawn_at is not None:
            raise AlreadyWithdrawn
        name = row.file.name
        row.withdrawn_at = timezone.now()
        row.withdrawn_by = actor
        row.withdrawal_reason = reason
        row.file = ""
        save_as(row, actor)
        transaction.on_commit(partial(_delete_stored, name))
    return row


def _delete_stored(name: str) -> None:
    try:
        attachment_storage().delete(name)
    except Exception:  # the row is withdrawn either way; the file is found by its name
        logger.exception("withdrawn attachment %s could not be deleted from the storage", name)


def attachment_store(model, *, actor, uploaded, content_type: str, title: str = "", **owner):
    """Store a checked upload (AttachmentForm) as a row of `model` for the owner given
    as a keyword (owner=...). The file is written first under a random name and removed
    again if the row cannot be saved; the row's history names the actor."""
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    instance = model(
        original_name=sanitise_name(uploaded.name, content_type),
        title=title,
        content_type=content_type,
        size=uploaded.size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
        **owner,
    )
    instance.file.save(uploaded.name, uploaded, save=False)  # named by stored_name
    name = instance.file.name
    try:
        with transaction.atomic():
            save_as(instance, actor)
    except Exception:
        attachment_storage().delete(name)
        raise
    return instance


def attachment_response(attachment) -> FileResponse:
    """The file as a download, never shown inline, typed by what was sniffed."""
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response

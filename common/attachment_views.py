"""The attachment pages every owner shares (common/attachments.py holds the files).

An owner's app (households, intake, cases, meetings) fetches the owner through its own
access getter and describes what it found as an AttachmentOwner: the owner, its URLs,
whether this user may add to it, why its files are withheld (住所秘匿), and whose records
a download is part of. The functions here only run the pages from that description; they
never decide access. common imports no app, so the owner's app also hands over the audit
functions (accounts.audit) the pages log their reads with.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from common.attachments import (
    AlreadyWithdrawn,
    AttachmentForm,
    WithdrawForm,
    attachment_response,
    attachment_withdraw,
    may_withdraw,
)
from common.exports import log_export


@dataclass
class AttachmentOwner:
    """One owner's attachments as its app's access getter let this user see them."""

    obj: models.Model  # the case, household, consent, consultation or meeting
    audit: ModuleType  # accounts.audit
    upload_url: str
    download_url: Callable[[Any], str]  # attachment -> its download URL
    add: Callable[..., Any]  # the app's service: add(actor=, uploaded=, content_type=, title=)
    withdraw_url: Callable[[Any], str]  # attachment -> its 取り消し page
    user: Any  # the reader
    can_upload: bool = False
    readable: bool = True  # False: the owner's page shows no 添付ファイル section at all
    withheld: str = ""  # why this reader may not open them (住所秘匿); "" when they may
    # What a refusal under 住所秘匿 names: the household for its consents.
    refused: models.Model | None = None
    # Whose records a download is also part of (persons, a meeting's cases), asked when
    # downloading.
    concerned: Callable[[], Iterable[models.Model]] = list
    concerned_detail: str = ""  # prefix of those rows' detail (a meeting names itself)
    # What opening the page logs as read: (obj, person_id, detail); the owner by default.
    read: tuple[models.Model, int | None, str] | None = None
    initial: dict = field(default_factory=dict)  # the upload form's first values
    # The attachments page: its heading, and the owner's own page it links back to.
    title: str = ""
    back_url: str = ""
    back_label: str = ""

    def panel(self, form=None) -> dict | None:
        if not self.readable:
            return None
        return panel(
            self.obj.attachments.select_related("uploaded_by", "withdrawn_by"),
            download_url=self.download_url,
            upload_url=self.upload_url,
            can_upload=self.can_upload,
            form=form,
            withheld=self.withheld,
            withdraw_url=self._withdraw_url,
        )

    def may_withdraw(self, attachment) -> bool:
        return may_withdraw(self.user, attachment, may_change_owner=self.can_upload)

    def _withdraw_url(self, attachment) -> str:
        return self.withdraw_url(attachment) if self.may_withdraw(attachment) else ""

    def refuse_if_withheld(self, request) -> None:
        """Opening or adding under 住所秘匿 without the right to see the address: 404."""
        if not self.withheld:
            return
        self.log_denied(request, self.refused or self.obj, "attachments")
        raise Http404

    def log_denied(self, request, obj, detail: str) -> None:
        self.audit.log_denied(
            user=request.user,
            object_type=obj._meta.label_lower,
            object_id=obj.pk,
            request=request,
            detail=detail,
        )


def panel(
    items,
    *,
    download_url,
    upload_url="",
    can_upload=False,
    form=None,
    withheld="",
    withdraw_url=None,
) -> dict:
    """What templates/_attachments.html shows: the rows with their download links, and
    the upload form when the user may add to the owner. download_url(attachment) -> URL;
    withdraw_url(attachment) -> its 取り消し page, "" for those the reader may not
    withdraw. A withdrawn row is listed without its name or a link.
    withheld: why this reader may not open them (住所秘匿); then nothing is listed."""
    if withheld:
        return {"items": [], "upload_url": "", "form": None, "withheld": withheld}
    items = list(items)
    for item in items:
        withdrawn = item.withdrawn_at is not None
        item.download_url = "" if withdrawn else download_url(item)
        item.withdraw_url = "" if withdrawn or withdraw_url is None else withdraw_url(item)
    return {
        "items": items,
        "upload_url": upload_url,
        "form": (form or AttachmentForm()) if can_upload else None,
    }


def page(request, *, title, back_url, back_label, attach, about=None, status=200):
    """The owner's attachments on a page of their own: where a refused upload shows its
    message beside the field, and a consent's 同意書 is listed and added."""
    return render(
        request,
        "attachments/page.html",
        {
            "title": title,
            "back_url": back_url,
            "back_label": back_label,
            "attach": attach,
            "about": about or [],
        },
        status=status,
    )


def upload_page(request, owner: AttachmentOwner, *, done_url="", done_message="", about=None):
    """The owner's attachments page, and the upload posted to it. The caller has already
    refused a POST from whoever may not add (through its access getter); what is
    withheld is refused here. A saved upload returns to done_url, by default the owner's
    page at its 添付ファイル. about: (label, value) rows shown above the files."""
    if request.method == "POST":
        owner.refuse_if_withheld(request)
    form = AttachmentForm(request.POST or None, request.FILES or None, initial=owner.initial)
    if request.method == "POST" and form.is_valid():
        owner.add(
            actor=request.user,
            uploaded=form.cleaned_data["file"],
            content_type=form.content_type,
            title=form.cleaned_data["title"],
        )
        messages.success(request, done_message or _("ファイルを添付しました。"))
        return redirect(done_url or owner.back_url + "#attachments")
    obj, person_id, detail = owner.read or (owner.obj, None, "attachments")
    owner.audit.log_access(
        user=request.user, obj=obj, person_id=person_id, request=request, detail=detail
    )
    return page(
        request,
        title=owner.title,
        back_url=owner.back_url,
        back_label=owner.back_label,
        attach=owner.panel(form),
        about=about,
    )


def download(request, owner: AttachmentOwner, attachment_pk):
    """One of the owner's files, an 出力 (export) of the attachment, its owner and every
    record it concerns. The caller fetched the owner through its access getter."""
    owner.refuse_if_withheld(request)
    attachment = get_object_or_404(owner.obj.attachments, pk=attachment_pk, withdrawn_at=None)
    detail = f"attachment:{attachment._meta.model_name}:{attachment.pk}"
    log_export(
        owner.audit.log_access,
        request,
        [attachment, owner.obj],
        detail=detail,
        concerned=owner.concerned(),
        concerned_detail=owner.concerned_detail + detail,
    )
    return attachment_response(attachment)


# The 取り消し views: the confirmation page and the withdrawal posted to it.
WITHDRAW_METHODS = ["GET", "POST"]


def withdraw(request, owner: AttachmentOwner, attachment_pk):
    """取り消し of one of the owner's files: a page naming the file and asking why,
    and the withdrawal posted to it (common.attachments.attachment_withdraw). The caller
    fetched the owner through its access getter for a change; who may withdraw which
    file is AttachmentOwner.may_withdraw. Whoever may not is refused (403, logged) and
    nothing changes."""
    owner.refuse_if_withheld(request)
    attachment = get_object_or_404(
        owner.obj.attachments.select_related("uploaded_by"), pk=attachment_pk, withdrawn_at=None
    )
    if not owner.may_withdraw(attachment):
        owner.log_denied(request, attachment, "attachment_withdraw")
        raise PermissionDenied
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            attachment_withdraw(attachment, actor=request.user, reason=reason)
        except AlreadyWithdrawn:
            messages.info(request, _("この添付ファイルは、すでに取り消されています。"))
        else:
            owner.audit.log_action(
                actor=request.user,
                action=f"{owner.obj._meta.label_lower}.attachment_withdrawn",
                obj=owner.obj,
                attachment=attachment.pk,
                reason=reason,
            )
            messages.success(request, _("添付ファイルを取り消しました。ファイルは削除されました。"))
        return redirect(owner.back_url + "#attachments")
    # The page names the file: a read of it and of its owner's record.
    obj, _person_id, _detail = owner.read or (owner.obj, None, "")
    owner.audit.log_reads(
        user=request.user, objects=[attachment, obj], request=request, detail="attachment_withdraw"
    )
    return render(
        request,
        "attachments/withdraw.html",
        {
            "title": _("添付ファイルの取り消し"),
            "owner": owner,
            "attachment": attachment,
            "form": form,
        },
    )

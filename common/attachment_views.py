"""The page parts every owner's attachment views share (common/attachments.py). Access
is decided by the calling view, through its app's access getter, before these run."""

from django.shortcuts import render

from common.attachments import AttachmentForm


def panel(items, *, download_url, upload_url="", can_upload=False, form=None, withheld="") -> dict:
    """What templates/_attachments.html shows: the rows with their download links, and
    the upload form when the user may add to the owner. download_url(attachment) -> URL.
    withheld: why this reader may not open them (住所秘匿); then nothing is listed."""
    if withheld:
        return {"items": [], "upload_url": "", "form": None, "withheld": withheld}
    items = list(items)
    for item in items:
        item.download_url = download_url(item)
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

"""訂正 (corrections) of records that count as final, shared by the apps that have them.

An app's correction service (cases.services.record_correct, ...) checks who may correct
and that the form was loaded from the current version, takes a snapshot() of the shown
values, saves the record with save_as (simple-history names the user) and calls
record_correction() with the snapshot before and after. The record's page lists
corrections_for() under the current values: each earlier version struck through, with
who corrected it, when and why.
"""

from django import forms
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.models import Correction
from common.values import shown_value


class CorrectionRefused(ValidationError):
    """A refused correction; the message is Japanese, the code names the field."""


def reason_field() -> forms.CharField:
    """The 訂正の理由 every correction form asks for (required, shown with the change)."""
    return forms.CharField(
        label=gettext_lazy("訂正の理由"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "訂正前の内容は取り消し線付きで残り、訂正者・日時・理由とともに表示されます。"
        ),
        error_messages={"required": gettext_lazy("訂正の理由を入力してください。")},
    )


def correction_saved(request, form, save, *, message, reload) -> bool:
    """Run save(**form.service_kwargs()) (the app's correction service, given the record
    and the actor) when a valid form was posted. A refusal
    shows on the form, beside the field its code names or above the form (stale,
    denied), and the record is reloaded so the page shows what is saved. True when
    saved; then the success message is queued."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        save(**form.service_kwargs())
    except ValidationError as exc:  # CorrectionRefused, StaleEdit
        code = getattr(exc, "code", None)
        form.add_error(code if code in form.fields else None, exc)
        reload.refresh_from_db()
        return False
    messages.success(request, message)
    return True


def check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise CorrectionRefused(_("訂正の理由を入力してください。"), code="reason")
    return reason


def history_token(instance: models.Model) -> int:
    """The id of the record's latest history row: what a correction form was loaded
    from, for records without a version column."""
    latest = instance.history.order_by("-history_id").values_list("history_id", flat=True)
    return latest.first() or 0


def check_history_token(instance: models.Model, token) -> None:
    """Refuse when someone saved the record after the form was loaded. Called inside the
    service's transaction; the row is locked first so two corrections queue."""
    type(instance)._default_manager.select_for_update().filter(pk=instance.pk).first()
    if token is None or int(token) != history_token(instance):
        latest = instance.history.select_related("history_user").order_by("-history_id").first()
        who = str(latest.history_user) if latest and latest.history_user else _("他の利用者")
        raise CorrectionRefused(
            _(
                "このページを開いた後に%(who)sさんが保存しました。"
                "最新の内容を確認してから、もう一度訂正してください。"
            )
            % {"who": who},
            code="stale",
        )


def snapshot(instance: models.Model, fields, extra=()) -> list[list[str]]:
    """[[label, shown value], ...] of the fields (verbose names, choice labels, 和暦)
    plus extra (label, value) pairs a model field does not give (a list of categories)."""
    rows = []
    for name in fields:
        field = instance._meta.get_field(name)
        value = getattr(instance, field.attname)
        rows.append([str(field.verbose_name), shown_value(field, value, instance=instance)])
    rows.extend([str(label), str(value)] for label, value in extra)
    return rows


def record_correction(*, obj, actor, reason: str, before, after) -> Correction | None:
    """The Correction row of one saved correction; None when nothing shown changed."""
    if before == after:
        return None
    return Correction.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        reason=reason,
        before=before,
        after=after,
        corrected_by=actor,
    )


def _shown(c: Correction) -> dict:
    after = dict((label, value) for label, value in c.after)
    changes = [
        (label, value, after.get(label, ""))
        for label, value in c.before
        if after.get(label, "") != value
    ]
    return {"correction": c, "changes": changes}


def corrections_for(obj) -> list[dict]:
    """The object's corrections, newest first, each with the rows that changed:
    [{"correction": c, "changes": [(label, before, after), ...]}]."""
    return corrections_by_object(type(obj), [obj.pk]).get(obj.pk, [])


def corrections_by_object(model, ids) -> dict[int, list[dict]]:
    """corrections_for of many objects of one model in one query: {pk: [...]}."""
    out = {}
    if not ids:
        return out
    rows = Correction.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id__in=list(ids)
    ).select_related("corrected_by")
    for c in rows:
        out.setdefault(c.object_id, []).append(_shown(c))
    return out

"""Helpers every app's services use: saving with the acting user, optimistic locking."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _


def save_as(instance: models.Model, actor, **kwargs) -> models.Model:
    """Save so simple-history names the acting user, also outside a request."""
    instance._history_user = actor
    instance.save(**kwargs)
    return instance


@dataclass
class StaleEdit(ValidationError):
    """Someone saved the record after this form was loaded."""

    changed_by: str = ""
    changed_fields: list[str] = field(default_factory=list)

    def __post_init__(self):
        names = "、".join(self.changed_fields) or _("（不明）")
        msg = _(
            "このページを開いた後に%(who)sさんが保存しました。変更された項目: %(fields)s。"
            "最新の内容を確認してから、もう一度入力してください。"
        ) % {"who": self.changed_by or _("他の利用者"), "fields": names}
        super().__init__(msg, code="stale")


def check_version(instance: models.Model, expected_version: int | None) -> None:
    """Refuse the save if the row moved on since the form was loaded.

    Called inside the service's transaction with the row locked (select_for_update).
    """
    if expected_version is None:
        return
    current = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
    if current.version == expected_version:
        return
    changed_by, changed = "", []
    history = getattr(current, "history", None)
    if history is not None:
        latest = history.first()
        if latest is not None and latest.history_user is not None:
            changed_by = str(latest.history_user)
        records = list(history.all()[:2])
        if len(records) == 2:
            delta = records[0].diff_against(records[1])
            changed = [
                str(current._meta.get_field(c.field).verbose_name)
                for c in delta.changes
                if c.field != "version"
            ]
    raise StaleEdit(changed_by=changed_by, changed_fields=changed)


def bump_version(instance) -> None:
    instance.version = (instance.version or 0) + 1

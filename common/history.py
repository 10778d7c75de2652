"""変更履歴: a domain-free reading of an object's simple-history rows.

Each app's history view fetches the object through its own access getter, says which
fields the viewer may not see (hidden: 住所秘匿 contact details, through the same guard
as the object page) and renders templates/common/history.html with change_history().
Field names are the models' verbose names, choices their labels, dates 和暦, and a
related object a string that names no person (common.values).
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.values import EMPTY, shown_value

# Bookkeeping columns that say nothing to a reader.
SKIPPED = {"id", "version", "created_at", "updated_at"}

TYPE_LABELS = {"+": gettext_lazy("作成"), "~": gettext_lazy("変更"), "-": gettext_lazy("削除")}


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class HistoryEntry:
    at: object
    user: str
    kind: str
    reason: str = ""
    subject: str = ""  # what part of the object changed, when not the object itself
    changes: list[Change] = field(default_factory=list)


def _labelled(f) -> bool:
    """Whether the field has a verbose name of its own (a Japanese label): a field left
    with Django's default (its name, e.g. "created by") is bookkeeping, not shown."""
    return str(f.verbose_name) != f.name.replace("_", " ")


def _fields(model, hidden, labels):
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in SKIPPED
        and f.name not in hidden
        and f.editable
        and (_labelled(f) or f.name in labels)
    ]


def _related_objects(fields, records) -> dict:
    """{field name: {pk: object}} for the foreign keys of the records, one query each."""
    out = {}
    for f in fields:
        if f.is_relation and f.many_to_one:
            ids = {getattr(r, f.attname) for r in records} - {None}
            out[f.name] = f.related_model._default_manager.in_bulk(ids) if ids else {}
    return out


def change_history(obj, *, hidden=(), subject="", records=None, labels=None) -> list[HistoryEntry]:
    """The object's history, newest first: per saved version, who, when and each field
    that changed (before → after). hidden fields are left out altogether, so a reader
    does not even learn that a withheld address changed. records: the history rows of
    several objects of one model (an object's parts); subject names the part, a string
    or a callable(history row) -> str. labels: Japanese names for fields the model
    leaves unnamed."""
    model = type(obj)
    if records is None:
        records = obj.history.all()
    records = list(records.select_related("history_user").order_by("history_date", "history_id"))
    labels = labels or {}
    fields = _fields(model, set(hidden), labels)
    related = _related_objects(fields, records)
    entries, latest = [], {}  # latest: the previous version of each object (by pk)
    for record in records:
        previous = latest.get(record.id)
        changes = []
        for f in fields:
            new = getattr(record, f.attname)
            if record.history_type == "-":
                if new not in (None, ""):
                    before = shown_value(f, new, objects=related.get(f.name))
                    changes.append(Change(str(labels.get(f.name, f.verbose_name)), before, EMPTY))
                continue
            old = getattr(previous, f.attname) if previous is not None else None
            if previous is not None and old == new:
                continue
            if previous is None and new in (None, ""):
                continue
            before = EMPTY if previous is None else shown_value(f, old, objects=related.get(f.name))
            after = shown_value(f, new, objects=related.get(f.name))
            changes.append(Change(str(labels.get(f.name, f.verbose_name)), before, after))
        if changes or record.history_type != "~":
            entries.append(
                HistoryEntry(
                    at=record.history_date,
                    user=str(record.history_user) if record.history_user else _("システム"),
                    kind=str(TYPE_LABELS.get(record.history_type, record.history_type)),
                    reason=record.history_change_reason or "",
                    subject=subject(record) if callable(subject) else subject,
                    changes=changes,
                )
            )
        latest[record.id] = record
    entries.reverse()
    return entries


def merged(*histories) -> list[HistoryEntry]:
    """Several histories (the object's and its parts') as one list, newest first."""
    out = [e for h in histories for e in h]
    out.sort(key=lambda e: e.at, reverse=True)
    return out

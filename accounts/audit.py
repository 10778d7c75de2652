"""The two audits (STYLE 8): reads of personal records, and domain events."""

from django.db import connection
from django.utils import timezone

from accounts.models import AccessLog, ActionLog


def log_access(
    *,
    user,
    obj=None,
    object_type="",
    object_id="",
    person_id=None,
    outcome=AccessLog.Outcome.READ,
    request=None,
    detail="",
) -> AccessLog:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return AccessLog.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        object_type=object_type,
        # A refused id comes from the request (log_denied) and may be any text: keep
        # what the column holds (50 characters) and PostgreSQL stores (no NUL).
        object_id=str(object_id).replace("\x00", "")[:50],
        person_id=person_id,
        outcome=outcome,
        path=(request.path[:300] if request is not None else ""),
        detail=detail[:300],
    )


def log_reads(*, user, objects, request=None, detail="") -> None:
    """The read of every record a page shows (a list, a picker of persons, the home
    page's lists), one row per object as log_access writes for a detail page, in one
    INSERT. A person is named by person_id too: the Person itself, or the person a
    record is about (an outreach target, a placement)."""
    if user is None or not user.is_authenticated:
        return
    path = request.path[:300] if request is not None else ""
    seen = {}
    for obj in objects:
        if obj is None:
            continue
        label = obj._meta.label_lower
        if (label, obj.pk) not in seen:
            person_id = obj.pk if label == "households.person" else getattr(obj, "person_id", None)
            seen[label, obj.pk] = person_id
    if seen:
        _insert_reads(user=user, rows=seen, path=path, detail=detail[:300])


def _insert_reads(*, user, rows, path, detail) -> None:
    """rows: {(object_type, pk): person_id}. On PostgreSQL one INSERT ... SELECT FROM
    unnest(columns): a list page logs 30 to 50 reads on every request, and building,
    preparing and returning an AccessLog instance per row cost more CPU than the page's
    own query. Elsewhere (the embedded SQLite) bulk_create."""
    at = timezone.now()
    if connection.vendor != "postgresql":
        AccessLog.objects.bulk_create(
            AccessLog(
                at=at,
                user=user,
                object_type=label,
                object_id=str(pk),
                person_id=person_id,
                outcome=AccessLog.Outcome.READ,
                path=path,
                detail=detail,
            )
            for (label, pk), person_id in rows.items()
        )
        return
    column = {f.name: connection.ops.quote_name(f.column) for f in AccessLog._meta.concrete_fields}
    names = ("at", "user", "outcome", "path", "detail", "object_type", "object_id", "person_id")
    sql = (
        f"INSERT INTO {connection.ops.quote_name(AccessLog._meta.db_table)} "
        f"({', '.join(column[name] for name in names)}) "
        "SELECT %s, %s, %s, %s, %s, t, i, p "
        "FROM unnest(%s::varchar[], %s::varchar[], %s::bigint[]) AS u(t, i, p)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                at,
                user.pk,
                AccessLog.Outcome.READ.value,
                path,
                detail,
                [label for label, _pk in rows],
                [str(pk) for _label, pk in rows],
                list(rows.values()),
            ],
        )


def log_action(*, actor, action: str, obj, **data) -> ActionLog:
    return ActionLog.objects.create(
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        data={
            k: (v if isinstance(v, int | float | bool | None) else str(v)) for k, v in data.items()
        },
    )


def log_actions(*, actor, action: str, objs, **data) -> None:
    """log_action for many objects of one bulk service call, in one INSERT."""
    data = {k: (v if isinstance(v, int | float | bool | None) else str(v)) for k, v in data.items()}
    ActionLog.objects.bulk_create(
        [
            ActionLog(
                actor=actor,
                action=action,
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                data=data,
            )
            for obj in objs
        ],
        batch_size=1000,
    )


def log_denied(*, user, object_type: str, object_id, request=None, detail="") -> None:
    """A refused read (the view answers 404): logged for signed-in users, so the review
    shows who tried to open what they may not see."""
    if user is None or not user.is_authenticated:
        return
    log_access(
        user=user,
        object_type=object_type,
        object_id=str(object_id),
        outcome=AccessLog.Outcome.DENIED,
        request=request,
        detail=detail,
    )

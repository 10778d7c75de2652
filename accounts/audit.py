"""The two audits (STYLE 8): reads of personal records, and domain events."""

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
    rows, seen = [], set()
    for obj in objects:
        if obj is None:
            continue
        label = obj._meta.label_lower
        if (label, obj.pk) in seen:
            continue
        seen.add((label, obj.pk))
        person_id = obj.pk if label == "households.person" else getattr(obj, "person_id", None)
        rows.append(
            AccessLog(
                user=user,
                object_type=label,
                object_id=str(obj.pk),
                person_id=person_id,
                outcome=AccessLog.Outcome.READ,
                path=path,
                detail=detail[:300],
            )
        )
    if rows:
        AccessLog.objects.bulk_create(rows)


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

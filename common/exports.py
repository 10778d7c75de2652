"""The access-log rows of a record and the records that go with it: a page that shows
a support record and its persons, a printed paper (an 出力, export), a downloaded file.

common imports no app: the caller hands over accounts.audit.log_access.
"""

READ = "read"  # accounts.models.AccessLog.Outcome.READ
EXPORT = "export"  # accounts.models.AccessLog.Outcome.EXPORT


def log_with_concerned(
    log_access, request, objs, *, detail, concerned=(), concerned_detail="", outcome=READ
):
    """One row for each object (the case, the file), then one for each record that went
    with it (concerned: each person, or a meeting's cases), under concerned_detail. A
    person is named by person_id too, so their disclosure lists it."""
    for obj in objs:
        log_access(user=request.user, obj=obj, request=request, outcome=outcome, detail=detail)
    for obj in concerned:
        log_access(
            user=request.user,
            obj=obj,
            person_id=obj.pk if obj._meta.label_lower == "households.person" else None,
            request=request,
            outcome=outcome,
            detail=concerned_detail,
        )


def log_export(log_access, request, objs, **kwargs):
    """log_with_concerned for what left as a paper or a file."""
    log_with_concerned(log_access, request, objs, outcome=EXPORT, **kwargs)

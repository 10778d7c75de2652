"""Panels on the household page contributed by apps above households (cases etc.).

Each app registers a callable(request, household) -> dict | None with
{"title": ..., "template": ..., "context": {...}} from its AppConfig.ready().
"""

_PANELS = []


def register_panel(func):
    _PANELS.append(func)
    return func


def panels_for(request, household):
    out = []
    for func in _PANELS:
        panel = func(request, household)
        if panel:
            out.append(panel)
    return out


# Names for the access-log review (閲覧記録): apps above households register, per
# object type ("cases.case"), a callable(user, ids) -> {id: name} that names only the
# objects that user may see (asking that app's access rules); the review shows the
# others by kind and number. See households/audit_labels.py.
_LOG_SUBJECTS = {}


def register_log_subject(object_type: str):
    def decorator(func):
        _LOG_SUBJECTS[object_type] = func
        return func

    return decorator


def log_subject_names(user, object_type: str, ids) -> dict:
    func = _LOG_SUBJECTS.get(object_type)
    if func is None or not ids:
        return {}
    return func(user, ids)

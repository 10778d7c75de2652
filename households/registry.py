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

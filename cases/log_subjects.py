"""Names of cases for the access-log review (households/audit_labels.py): a case is
named only to a reviewer who may see it (cases.sharing)."""

from cases.sharing import cases_visible_to
from households.registry import register_log_subject


@register_log_subject("cases.case")
def case_titles(user, ids) -> dict:
    return dict(cases_visible_to(user).filter(pk__in=ids).values_list("pk", "title"))

"""Who may write アウトリーチ, shared by the targets and the campaigns services.

Desk staff and the staff of the agency a target is assigned to (the same rule as
reading, see outreach.selectors); campaigns are the desk's.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from outreach import selectors
from outreach.models import OutreachTarget


class OutreachRuleError(ValidationError):
    """A refused action; the message is Japanese and says what is missing."""


def require_target_access(actor, target: OutreachTarget) -> None:
    if not selectors.targets_visible_to(actor).filter(pk=target.pk).exists():
        raise OutreachRuleError(_("このアウトリーチ対象を扱う権限がありません。"))


def require_desk(actor) -> None:
    if not (actor.is_authenticated and actor.works_on_cases and actor.is_desk_staff):
        raise OutreachRuleError(_("この操作は福祉の相談窓口の職員だけが行えます。"))

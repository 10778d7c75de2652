"""manage.py cases_apply_closure: apply the closure rule to cases ended before it existed.

Cases closed or suspended earlier kept their plan 実施中 and the grants resting on it.
For each ended case this closes the plan in force and ends the direct shares, as a
closure does now (cases.services.case_end_plan_and_shares), as the system user.
Idempotent: a second run changes nothing.
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from accounts.system import system_user
from cases.choices import ENDED_STATUSES
from cases.models import Case, CaseStatusChange
from cases.services import case_end_plan_and_shares


class Command(BaseCommand):
    help = _("終結・中断したケースに、プランと共有を終了する規則を適用します（一度だけの移行用）。")

    def handle(self, *args, **options):
        actor = system_user()
        ended = 0
        for case in Case.objects.filter(status__in=ENDED_STATUSES).order_by("pk").iterator():
            closure = (
                CaseStatusChange.objects.filter(case=case, to_status=case.status)
                .order_by("-at", "-pk")
                .first()
            )
            if closure is not None:
                ended += case_end_plan_and_shares(actor=actor, case=case, closure=closure)
        self.stdout.write(_("終了した共有: %(count)d 件") % {"count": ended})

from celery import shared_task

from accounts.system import system_user
from cases import sharing


@shared_task(acks_late=True, reject_on_worker_lost=True)
def cases_revoke_lapsed_consents_task() -> int:
    """Daily: grants resting on a consent that expired (or was withdrawn) end.
    Idempotent: a second run finds nothing left to revoke."""
    return sharing.revoke_lapsed_consents(actor=system_user())

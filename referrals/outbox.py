"""The notice mail's way to the queue.

Services hand a mail here; it is queued once the transaction commits. The task that
sends it registers itself when referrals.tasks is imported (ReferralsConfig.ready), so
services never import tasks: tasks import services, and the arrow runs one way.
"""

from django.db import transaction

_SENDERS = {}


def register_sender(task):
    """Decorator for the Celery task that sends one notice mail per recipient."""
    _SENDERS["notice_mail"] = task
    return task


def queue_notice_mail(*, user_ids: list[int], subject: str, path: str) -> None:
    """Queue the mail after commit; a rolled-back write sends nothing."""
    sender = _SENDERS["notice_mail"]
    transaction.on_commit(lambda: sender.delay(user_ids=user_ids, subject=subject, path=path))

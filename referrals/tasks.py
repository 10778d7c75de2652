from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.utils import translation

from accounts.models import User
from referrals import outbox, services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def referrals_mark_overdue_task() -> int:
    """Daily (beat): unanswered referrals past their answer date are marked overdue on
    both sides, and open referrals whose consent lapsed end. Acts as the system user.
    Idempotent. Returns how many were marked overdue."""
    actor = services.system_user()
    services.referrals_end_for_lapsed_consents(actor=actor)
    return services.referrals_mark_overdue(actor=actor)


@outbox.register_sender
@shared_task(acks_late=True, reject_on_worker_lost=True)
def referrals_send_email_task(*, user_ids: list[int], subject: str, path: str) -> int:
    """One mail per recipient (no one sees the others' addresses). The body is a
    generic sentence and the link: no name, no case, nothing personal."""
    recipients = list(
        User.objects.filter(pk__in=user_ids, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not recipients:
        return 0
    url = settings.SITE_URL.rstrip("/") + path
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string("referrals/email/notice.txt", {"url": url})
        prefix = render_to_string("referrals/email/subject_prefix.txt").strip()
    messages = [
        EmailMessage(subject=f"{prefix} {subject}", body=body, to=[address])
        for address in recipients
    ]
    with get_connection() as connection:
        return connection.send_messages(messages) or 0

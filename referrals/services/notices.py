"""In-app notices (and their mail, queued after commit through referrals.outbox) about
referrals, and the reader marking them read."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from accounts.models import Agency
from accounts.selectors import case_workers_of
from cases.models import Case
from common.services import save_as
from households.access import households_visible_to
from households.models import Household
from referrals.models import Notification, Referral
from referrals.outbox import queue_notice_mail


def _referral_path(referral: Referral) -> str:
    return reverse("referrals:referral_detail", args=[referral.pk])


def notify(
    *,
    actor,
    users,
    verb: str,
    referral: Referral | None = None,
    link: str = "",
    email: bool = False,
):
    """In-app notices to users; with email=True also a mail (after commit) that holds
    only a generic sentence and the link, never personal data. verb must itself hold
    no personal data (agency names only): it is also the mail's subject."""
    if not link and referral is not None:
        link = _referral_path(referral)
    users = [u for u in users if u is not None and u.is_active]
    rows = []
    for user in users:
        rows.append(
            save_as(Notification(recipient=user, verb=verb, link=link, referral=referral), actor)
        )
    if email and users:
        user_ids = [u.pk for u in users if u.email]
        if user_ids:
            queue_notice_mail(user_ids=user_ids, subject=verb, path=link)
    return rows


def hidden_duplicate_notify(*, household_ids, agency: Agency, actor) -> list[Notification]:
    """Tell the lead of each 住所秘匿 household that another agency registered a person who
    may be one of its members (households.signals.hidden_duplicate_registered): the
    registering user was told nothing, so only the lead can resolve the duplicate.

    Recipients: the 主担当 of the household's open cases; with none open, the case
    workers of the agency that registered it; each only if households.access lets them
    open the household page the notice links to. The notice names the registering agency
    (no person, no household, nothing of the new record). In-app only: a mail subject
    must not say that a 住所秘匿 household exists."""
    rows = []
    for household in Household.objects.filter(pk__in=list(household_ids)).order_by("pk"):
        leads = [
            c.lead_staff
            for c in Case.objects.open().filter(household=household).select_related("lead_staff")
        ]
        if not leads:
            leads = list(case_workers_of(household.registered_by_agency_id))
        users = [
            u
            for u in dict.fromkeys(leads)
            if households_visible_to(u).filter(pk=household.pk).exists()
        ]
        rows += notify(
            actor=actor,
            users=users,
            verb=_(
                "%(agency)sが、住所秘匿の世帯の世帯員と同じふりがな・生年月日の人を登録しました。"
                "同一人物かどうか確認してください。"
            )
            % {"agency": agency.name},
            link=reverse("households:detail", args=[household.pk]),
        )
    return rows


@transaction.atomic
def notifications_mark_read(*, actor, notifications) -> int:
    """Mark the given notices of the actor read: one UPDATE and one bulk insert of
    history rows (simple-history's bulk helper), however many there are."""
    now = timezone.now()
    rows = [n for n in notifications if n.recipient_id == actor.pk and n.read_at is None]
    for notification in rows:
        notification.read_at = now
    if rows:
        bulk_update_with_history(rows, Notification, ["read_at"], default_user=actor)
    return len(rows)

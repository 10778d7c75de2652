"""Daily reminders: plan review due, consent expiring, referral answer overdue, next
visit reached, stale cases (no support record for N days, N per agency).

Each app registers a source: callable(today) -> iterable of Due (referrals and outreach
register theirs from their AppConfig.ready(); cases' own are below). The daily Celery
task (beat: cases-daily-reminders) turns them into Reminder rows, once per recipient,
subject and day, and then mails the digest to those who asked for it: counts per kind and
a link, never a name, address, phone or case title.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import OPEN_STATUSES, PlanStatus
from cases.models import (
    AgencyReminderSetting,
    Case,
    Reminder,
    ReminderPreference,
    SupportPlan,
    SupportRecord,
)
from cases.registry import first_rows, register_home
from households.models import Consent

STALE_AFTER_DAYS = 60  # when the agency set nothing
CONSENT_WARN_DAYS = 30
REVIEWABLE = [PlanStatus.ACTIVE, PlanStatus.REVIEWED]


@dataclass(frozen=True)
class Due:
    recipient_id: int
    kind: str
    subject: str
    label: str
    link: str = ""


_SOURCES = []


def register_reminder_source(func):
    _SOURCES.append(func)
    return func


def case_label(case_id) -> str:
    return _("ケース#%(pk)s") % {"pk": case_id}


def _case_link(case_id) -> str:
    return reverse("cases:case_detail", args=[case_id])


# ---------------------------------------------------------------- cases' own sources


@register_reminder_source
def plan_reviews_due(today):
    """A plan in force whose review date has come, on an open case (a closed case's
    plan never reminds)."""
    plans = SupportPlan.objects.filter(
        status__in=REVIEWABLE,
        review_on__lte=today,
        case__status__in=OPEN_STATUSES,
        case__lead_staff__isnull=False,
        case__lead_staff__is_active=True,
    ).values_list("pk", "case_id", "case__lead_staff_id")
    for plan_id, case_id, staff_id in plans:
        yield Due(staff_id, Reminder.Kind.PLAN_REVIEW, f"plan:{plan_id}", case_label(case_id),
                  _case_link(case_id))  # fmt: skip


@register_reminder_source
def consents_expiring(today):
    """A valid consent of a current member of an open case's household that ends within
    CONSENT_WARN_DAYS: to the case's lead staff."""
    rows = (
        Consent.objects.valid_on(today)
        .filter(expires_on__lte=today + dt.timedelta(days=CONSENT_WARN_DAYS))
        .filter(
            person__household_memberships__until__isnull=True,
            person__household_memberships__household__cases__status__in=OPEN_STATUSES,
            person__household_memberships__household__cases__lead_staff__is_active=True,
        )
        .values_list("pk", "person__household_memberships__household__cases")
        .distinct()
    )
    leads = dict(
        Case.objects.filter(pk__in={case_id for _pk, case_id in rows}).values_list(
            "pk", "lead_staff_id"
        )
    )
    for consent_id, case_id in rows:
        if leads.get(case_id):
            yield Due(leads[case_id], Reminder.Kind.CONSENT_EXPIRING, f"consent:{consent_id}",
                      case_label(case_id), _case_link(case_id))  # fmt: skip


def stale_after(agency_ids) -> dict[int, int]:
    found = dict(
        AgencyReminderSetting.objects.filter(agency_id__in=agency_ids).values_list(
            "agency_id", "stale_after_days"
        )
    )
    return {a: found.get(a, STALE_AFTER_DAYS) for a in agency_ids}


@register_reminder_source
def stale_cases(today):
    """An open case with no support record for N days (N set per lead agency)."""
    last = (
        SupportRecord.objects.filter(case=OuterRef("pk"))
        .values("case")
        .annotate(last=Max("occurred_at"))
        .values("last")
    )
    cases = list(
        Case.objects.open()
        .filter(lead_staff__isnull=False, lead_staff__is_active=True)
        .annotate(last_record=Subquery(last))
        .values_list("pk", "lead_agency_id", "lead_staff_id", "opened_on", "last_record")
    )
    days = stale_after({c[1] for c in cases})
    for case_id, agency_id, staff_id, opened_on, last_record in cases:
        since = timezone.localdate(last_record) if last_record else opened_on
        if (today - since).days >= days[agency_id]:
            yield Due(staff_id, Reminder.Kind.STALE_CASE, f"case:{case_id}", case_label(case_id),
                      _case_link(case_id))  # fmt: skip


# ---------------------------------------------------------------- writing


def reminders_create(*, today=None) -> int:
    """Write today's reminders; those already written today are left as they are.
    Returns how many were new. Reminder is not a historied model: bulk_create with
    ignore_conflicts is the idempotent write (the unique constraint one_reminder_a_day)."""
    today = today or timezone.localdate()
    due = {d for source in _SOURCES for d in (source(today) or [])}
    if not due:
        return 0
    before = Reminder.objects.filter(day=today).count()
    Reminder.objects.bulk_create(
        [
            Reminder(
                recipient_id=d.recipient_id,
                kind=d.kind,
                subject=d.subject,
                label=d.label,
                link=d.link,
                day=today,
            )  # fmt: skip
            for d in sorted(due, key=lambda d: (d.recipient_id, d.kind, d.subject))
        ],
        ignore_conflicts=True,
    )
    return Reminder.objects.filter(day=today).count() - before


def digest_text(counts: Counter) -> str:
    lines = [_("本日のリマインダーをお知らせします。")]
    for kind, label in Reminder.Kind.choices:
        if counts.get(kind):
            lines.append(_("・%(kind)s：%(count)d件") % {"kind": label, "count": counts[kind]})
    lines.append("")
    lines.append(_("内容はログインしてホーム画面で確認してください。"))
    lines.append(settings.SITE_URL.rstrip("/") + "/")
    return "\n".join(lines)


def digests_send(*, today=None) -> int:
    """Mail each opted-in user the counts of today's reminders (no personal data), once
    a day: digest_sent_on marks who has had today's."""
    today = today or timezone.localdate()
    sent = 0
    prefs = (
        ReminderPreference.objects.filter(email_digest=True, user__is_active=True)
        .exclude(digest_sent_on=today)
        .select_related("user")
    )
    for pref in prefs:
        if not pref.user.email:
            continue
        counts = Counter(
            Reminder.objects.filter(recipient=pref.user, day=today).values_list("kind", flat=True)
        )
        if not counts:
            continue
        with transaction.atomic():
            claimed = (
                ReminderPreference.objects.filter(pk=pref.pk)
                .exclude(digest_sent_on=today)
                .update(digest_sent_on=today)
            )  # not historied: a plain mark
            if not claimed:
                continue
            send_mail(
                _("【重層的支援】本日のリマインダー（%(count)d件）")
                % {"count": sum(counts.values())},
                digest_text(counts),
                None,
                [pref.user.email],
            )
        sent += 1
    return sent


def preference_for(user) -> ReminderPreference:
    pref, _created = ReminderPreference.objects.get_or_create(user=user)
    return pref


def preference_set(*, actor, email_digest: bool) -> ReminderPreference:
    """The user's own setting (nobody sets another's)."""
    pref = preference_for(actor)
    pref.email_digest = email_digest
    pref.save(update_fields=["email_digest"])
    return pref


@shared_task(acks_late=True, reject_on_worker_lost=True)
def cases_daily_reminders_task() -> dict:
    """Daily (beat): write today's reminders and send the digests. Idempotent: a second
    run the same day writes and sends nothing more."""
    today = timezone.localdate()
    return {"created": reminders_create(today=today), "digests": digests_send(today=today)}


# ---------------------------------------------------------------- ホーム


def reminders_for(user, day=None):
    day = day or timezone.localdate()
    return Reminder.objects.filter(recipient=user, day=day).order_by("kind", "pk")


@register_home
def home_reminders(request):
    user = request.user
    if not user.works_on_cases:
        return None
    rows, more = first_rows(reminders_for(user), 50)
    if not rows:
        return None
    return {
        "title": _("今日のリマインダー"),
        "template": "cases/home/reminders.html",
        "context": {"reminders": rows, "settings_url": reverse("cases:reminder_settings")},
        "count": len(rows),
        "more": more,
        "order": 1,
    }

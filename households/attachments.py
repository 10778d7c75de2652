"""Writes of household and consent attachments (common/attachments.py holds the
machinery). Reads are decided by households.access like the household page's."""

from django.db import transaction

from accounts.audit import log_action
from common.attachments import attachment_store
from households.models import Consent, ConsentAttachment, Household, HouseholdAttachment


@transaction.atomic
def household_attachment_add(
    *, actor, household: Household, uploaded, content_type: str, title: str = ""
) -> HouseholdAttachment:
    """Store a checked upload on the household. Side effects: history names the actor;
    an action row households.household.attachment_added."""
    attachment = attachment_store(
        HouseholdAttachment,
        actor=actor,
        uploaded=uploaded,
        content_type=content_type,
        title=title,
        owner=household,
    )
    log_action(
        actor=actor,
        action="households.household.attachment_added",
        obj=household,
        attachment=attachment.pk,
    )
    return attachment


@transaction.atomic
def consent_attachment_add(
    *, actor, consent: Consent, uploaded, content_type: str, title: str = ""
) -> ConsentAttachment:
    """Store a checked upload (the scanned 同意書) on the consent. Side effects: history
    names the actor; an action row households.consent.attachment_added."""
    attachment = attachment_store(
        ConsentAttachment,
        actor=actor,
        uploaded=uploaded,
        content_type=content_type,
        title=title,
        owner=consent,
    )
    log_action(
        actor=actor,
        action="households.consent.attachment_added",
        obj=consent,
        attachment=attachment.pk,
    )
    return attachment

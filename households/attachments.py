"""Writes of household and consent attachments (common/attachments.py holds the
machinery). Reads are decided by households.access like the household page's."""

from django.db import transaction

from accounts.audit import log_action
from common.attachments import attachment_store
from households.models import Consent, ConsentAttachment, Household, HouseholdAttachment


@transaction.atomic
def household_attachment_add(*, actor, household: Household, **upload) -> HouseholdAttachment:
    """Store a checked upload (uploaded, content_type, title) on the household. Side
    effects: history names the actor; an action row households.household.attachment_added."""
    attachment = attachment_store(HouseholdAttachment, actor=actor, owner=household, **upload)
    action = "households.household.attachment_added"
    log_action(actor=actor, action=action, obj=household, attachment=attachment.pk)
    return attachment


@transaction.atomic
def consent_attachment_add(*, actor, consent: Consent, **upload) -> ConsentAttachment:
    """Store a checked upload (the scanned 同意書) on the consent. Side effects: history
    names the actor; an action row households.consent.attachment_added."""
    attachment = attachment_store(ConsentAttachment, actor=actor, owner=consent, **upload)
    action = "households.consent.attachment_added"
    log_action(actor=actor, action=action, obj=consent, attachment=attachment.pk)
    return attachment

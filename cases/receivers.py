"""Reactions to lower apps' events, and what cases adds to their pages."""

from django.dispatch import receiver
from django.utils.translation import gettext as _

from cases import sharing
from households.signals import consent_ended
from intake import access as intake_access


@receiver(consent_ended)
def revoke_grants_of_ended_consent(sender, consent, actor, **kwargs):
    sharing.revoke_for_consent(consent=consent, actor=actor, reason=_("本人同意の撤回"))


intake_access.register_visibility(sharing.consultations_visible_q)

from cases import home_items, panels  # noqa: E402,F401  (registrations)

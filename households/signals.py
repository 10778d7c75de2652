"""Signals households sends so higher apps can react without households importing them."""

from django.dispatch import Signal

# Sent inside the transaction that withdrew (or expired) a consent: sender=Consent,
# consent=..., actor=... cases/sharing.py revokes the grants the consent supported.
consent_ended = Signal()
# Sent when a household's 住所秘匿 flag changes: household=..., actor=...
household_confidentiality_changed = Signal()

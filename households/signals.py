"""Signals households sends so higher apps can react without households importing them."""

from django.dispatch import Signal

# Sent inside the transaction that withdrew (or expired) a consent: sender=Consent,
# consent=..., actor=... cases.sharing revokes the grants the consent supported.
consent_ended = Signal()
# Sent when a household's 住所秘匿 flag changes: household=..., actor=...
household_confidentiality_changed = Signal()
# Sent when a person was registered who may be the same as a person in hiding (same
# ふりがな and birth date, in a 住所秘匿 household the registering user cannot see):
# sender=Person, household_ids=[the hidden households], agency=the registering agency,
# actor=... The registering user is told nothing; a receiver tells the households' lead.
# Nothing personal is carried: not even the new person.
hidden_duplicate_registered = Signal()

"""Registrations from higher apps that accounts asks without importing them
(DESIGN: nothing imports upwards). Apps register from their AppConfig.ready().

- Deactivation guards: callable(*, user, agency) -> Refusal | None. Asked before a
  membership ends (agency: that agency) and before an account is deactivated (agency
  None: every agency). A guard refuses while the leaver still holds something that
  must be handed over first (cases: open cases they lead).
- Successor hand-overs: callable(*, actor, user, agency, successor, note) -> int. Run
  by accounts.services.membership_end(successor=…) inside its transaction, before the
  guards are asked, so "reassign to X and end" is one step: either everything is
  handed over and the membership ends, or nothing changes. Raise LeaverRefused to
  refuse.
- Account links: callable(request, page) -> list of dict(label, url), shown on the
  accounts pages ("staff": the 職員 page, "security": the アカウント page).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Refusal:
    message: str  # Japanese, says why and what to do
    url: str = ""  # where to do it (e.g. the 引継ぎ page)
    link_label: str = ""


class LeaverRefused(Exception):
    """A successor hand-over the rules do not allow; the message is Japanese."""


_GUARDS = []
_HANDOVERS = []
_LINKS = []


def register_deactivation_guard(func):
    _GUARDS.append(func)
    return func


def register_successor_handover(func):
    _HANDOVERS.append(func)
    return func


def register_account_links(func):
    _LINKS.append(func)
    return func


def deactivation_refusals(*, user, agency=None) -> list[Refusal]:
    """What every guard says against user leaving agency (None: deactivating the
    account); empty when nothing stands in the way."""
    out = []
    for func in _GUARDS:
        refusal = func(user=user, agency=agency)
        if refusal:
            out.append(refusal)
    return out


def successor_handovers_run(*, actor, user, agency, successor, note: str) -> int:
    return sum(
        func(actor=actor, user=user, agency=agency, successor=successor, note=note) or 0
        for func in _HANDOVERS
    )


def account_links(request, page: str) -> list[dict]:
    out = []
    for func in _LINKS:
        out.extend(func(request, page) or [])
    return out

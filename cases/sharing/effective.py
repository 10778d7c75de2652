"""Effective access: the widest scope each holder has on a case and why, and what a
new basis would change (shown before it is created)."""

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from accounts.models import Agency
from cases.choices import SCOPE_ORDER, GrantBasis, GrantScope, PlanStatus
from cases.models import AccessGrant, Case
from cases.sharing.rules import PLAN_ROLE_SCOPE, consent_covers


def _widest(scopes) -> str | None:
    scopes = [s for s in scopes if s]
    return max(scopes, key=SCOPE_ORDER.index) if scopes else None


def _scope_label(scope: str | None) -> str:
    return GrantScope(scope).label if scope else _("なし")


def _basis_text(basis: str, scope: str) -> str:
    return _("%(basis)s・%(scope)s") % {
        "basis": GrantBasis(basis).label,
        "scope": GrantScope(scope).label,
    }


@dataclass
class Access:
    """What one holder (an agency, or a meeting member) sees of a case, and why: the
    widest scope of its active ledger rows (DESIGN: effective access)."""

    holder: object
    scope: str
    bases: list[AccessGrant] = field(default_factory=list)

    @property
    def scope_label(self) -> str:
        return _scope_label(self.scope)

    @property
    def line(self) -> str:
        return _("%(holder)s：%(scope)s") % {"holder": self.holder, "scope": self.scope_label}

    @property
    def bases_text(self) -> str:
        return "、".join(_basis_text(g.basis, g.scope) for g in self.bases)

    def is_wider_than(self, scope: str) -> bool:
        return SCOPE_ORDER.index(self.scope) > SCOPE_ORDER.index(scope)


def effective_access(case: Case, *, agency_ids=None) -> list[Access]:
    """Each holder's effective access to the case with the bases it rests on (one
    query), the lead first, then the widest; agency_ids narrows it to those agencies."""
    rows = AccessGrant.objects.filter(case=case, revoked_at__isnull=True).select_related(
        "agency", "user"
    )
    if agency_ids is not None:
        rows = rows.filter(agency_id__in=list(agency_ids))
    by_holder: dict[tuple, Access] = {}
    for row in rows.order_by("granted_at", "pk"):
        key = ("agency", row.agency_id) if row.agency_id else ("user", row.user_id)
        access = by_holder.setdefault(key, Access(holder=row.agency or row.user, scope=row.scope))
        access.scope = _widest([access.scope, row.scope])
        access.bases.append(row)
    for access in by_holder.values():
        access.bases.sort(key=lambda g: -SCOPE_ORDER.index(g.scope))
    return sorted(
        by_holder.values(),
        key=lambda a: (-SCOPE_ORDER.index(a.scope), str(a.holder)),
    )


def agency_access(case: Case, agency: Agency) -> Access:
    """One agency's effective access (scope None and no bases when it sees nothing)."""
    found = effective_access(case, agency_ids=[agency.pk])
    return found[0] if found else Access(holder=agency, scope=None)


@dataclass
class AccessChange:
    """What a new basis (or the end of old ones) would change for one agency."""

    agency: Agency
    before: str | None
    after: str | None
    basis: str = ""  # the basis being created, "" when only old rows end
    scope: str = ""  # the scope it opens
    kept: list[AccessGrant] = field(default_factory=list)  # the rows that stay

    @property
    def line(self) -> str:
        return _("%(agency)s：「%(before)s」→「%(after)s」") % {
            "agency": self.agency.name,
            "before": _scope_label(self.before),
            "after": _scope_label(self.after),
        }

    @property
    def basis_text(self) -> str:
        return _basis_text(self.basis, self.scope) if self.basis else ""

    @property
    def scope_label(self) -> str:
        return _scope_label(self.scope or None)

    @property
    def wider_elsewhere(self) -> bool:
        """The agency will see more than this basis opens, through its other bases."""
        return bool(self.scope and self.after != self.scope)

    @property
    def kept_text(self) -> str:
        return "、".join(_basis_text(g.basis, g.scope) for g in self.kept)


def preview_access(case: Case, *, add=(), end=()) -> list[AccessChange]:
    """Which agencies would gain (or lose) which scope if the ledger rows in `end` ended
    and a grant (agency, basis, scope) in `add` were recorded: for the screens that
    create a basis, before it is created. Agencies in the order given."""
    ending = {g.pk for g in end}
    agencies = [a for a, _basis, _scope in add] + [g.agency for g in end if g.agency]
    current = {a.holder.pk: a for a in effective_access(case, agency_ids={a.pk for a in agencies})}
    changes: dict[int, AccessChange] = {}
    for agency in agencies:
        if agency.pk in changes:
            continue
        access = current.get(agency.pk)
        kept = [g for g in (access.bases if access else []) if g.pk not in ending]
        changes[agency.pk] = AccessChange(
            agency=agency,
            before=access.scope if access else None,
            after=_widest(g.scope for g in kept),
            kept=kept,
        )
    for agency, basis, scope in add:
        change = changes[agency.pk]
        change.basis, change.scope = basis, scope
        change.after = _widest([change.after, scope])
    return list(changes.values())


def preview_plan_approval(plan) -> list[AccessChange]:
    """What approving (and activating) the plan does: each role agency gains
    PLAN_ROLE_SCOPE (the lead only where the consent names it, as plan_activate does);
    the role grants of the plan it replaces end."""
    case = plan.case
    roles = sorted(
        {
            r.agency
            for r in plan.roles.select_related("agency")
            if r.agency_id != case.lead_agency_id or consent_covers(plan.consent, r.agency, case)
        },
        key=lambda a: a.name,
    )
    replaced = case.plans.filter(status__in=[PlanStatus.ACTIVE, PlanStatus.REVIEWED]).exclude(
        pk=plan.pk
    )
    ct = ContentType.objects.get_for_model(plan)
    ending = AccessGrant.objects.filter(
        case=case,
        revoked_at__isnull=True,
        basis_type=ct,
        basis_id__in=replaced.values("pk"),
    ).select_related("agency")
    return preview_access(
        case,
        add=[(a, GrantBasis.PLAN_ROLE, PLAN_ROLE_SCOPE) for a in roles],
        end=list(ending),
    )


def share_basis(*, kind: str, exemption_reason: str = "") -> str:
    """The basis a share (kind "share") or an accepted referral (kind "referral") rests
    on: a recorded legal exemption, else the person's consent."""
    if exemption_reason:
        return GrantBasis.EXEMPTION
    return GrantBasis.REFERRAL if kind == "referral" else GrantBasis.CONSENT

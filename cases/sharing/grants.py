"""The ledger's writes: grant and revoke AccessGrant rows and keep django-guardian's
permissions (and the household's, through households.access) equal to them."""

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import log_action
from accounts.models import Agency
from accounts.services import agency_group
from cases.choices import ENDED_STATUSES, GrantBasis, GrantScope
from cases.models import (
    AccessGrant,
    Case,
    CaseGroupObjectPermission,
    CaseStatusChange,
    CaseUserObjectPermission,
)
from cases.sharing.rules import (
    CONSENT_BASES,
    DIRECT_SHARE_BASES,
    SCOPE_PERMS,
    SharingRefused,
    consent_covers,
)
from households import access as household_access
from households.models import Consent


def _permissions(codenames) -> dict[str, Permission]:
    ct = ContentType.objects.get_for_model(Case)
    return {
        p.codename: p for p in Permission.objects.filter(content_type=ct, codename__in=codenames)
    }


def _wanted_perms(grants) -> set[str]:
    wanted: set[str] = set()
    for grant in grants:
        wanted |= SCOPE_PERMS[grant.scope]
    return wanted


def _sync(case: Case, *, agency: Agency | None = None, user=None) -> None:
    """Make guardian's permissions for (case, holder) equal the active ledger rows."""
    active = AccessGrant.objects.filter(case=case, revoked_at__isnull=True)
    if agency is not None:
        wanted = _wanted_perms(active.filter(agency=agency))
        table, holder = CaseGroupObjectPermission, {"group": agency_group(agency)}
    else:
        wanted = _wanted_perms(active.filter(user=user, agency__isnull=True))
        table, holder = CaseUserObjectPermission, {"user": user}
    existing = set(
        table.objects.filter(content_object=case, **holder).values_list(
            "permission__codename", flat=True
        )
    )
    perms = _permissions(wanted | existing)
    for codename in wanted - existing:
        table.objects.create(content_object=case, permission=perms[codename], **holder)
    if existing - wanted:
        table.objects.filter(
            content_object=case, permission__codename__in=existing - wanted, **holder
        ).delete()
    if agency is not None:
        _sync_household(case, agency, wanted)


def _sync_household(case: Case, agency: Agency, case_perms: set[str]) -> None:
    """The household page follows the case: RECORDS or more opens it; only the lead
    agency (and the registering agency) see what 住所秘匿 hides."""
    household = case.household
    other_cases = AccessGrant.objects.filter(
        case__household=household, agency=agency, revoked_at__isnull=True
    ).exclude(case=case)
    perms = case_perms | _wanted_perms(other_cases)
    is_registrar = household.registered_by_agency_id == agency.pk
    if "view_case_records" in perms or is_registrar:
        household_access.grant_household(
            agency=agency,
            household=household,
            change="change_case" in perms or is_registrar,
            confidential="view_case_confidential" in perms or is_registrar,
        )
    else:
        household_access.revoke_household(agency=agency, household=household)
        return
    if not ("change_case" in perms or is_registrar):
        household_access.revoke_household(
            agency=agency,
            household=household,
            perms=(household_access.CHANGE, household_access.CONFIDENTIAL),
        )


@transaction.atomic
def grant(
    *,
    case: Case,
    basis: str,
    scope: str,
    actor,
    agency: Agency | None = None,
    user=None,
    consent: Consent | None = None,
    basis_object=None,
    exemption_reason: str = "",
    note: str = "",
) -> AccessGrant:
    """Record why a holder may see the case and give the permissions it implies.

    Consent-based grants need a consent that covers the agency; exemptions need a
    reason. Raises SharingRefused with a Japanese message otherwise.
    """
    if (agency is None) == (user is None):
        raise ValueError("grant needs exactly one of agency or user")
    if basis in CONSENT_BASES:
        if agency is None:
            raise ValueError("consent-based grants are given to agencies")
        if not consent_covers(consent, agency, case):
            raise SharingRefused(
                _(
                    "%(agency)sへの共有には、%(agency)sを共有先に含む有効な本人同意が必要です。"
                    "世帯のページで本人同意を記録するか、法令上の例外として理由を記録してください。"
                )
                % {"agency": agency.name}
            )
    if basis == GrantBasis.EXEMPTION and (not exemption_reason or not note.strip()):
        raise SharingRefused(_("法令上の例外による共有には、根拠と具体的な理由の記録が必要です。"))
    row = AccessGrant(
        case=case,
        agency=agency,
        user=user,
        basis=basis,
        scope=scope,
        consent=consent,
        exemption_reason=exemption_reason,
        note=note,
        granted_by=actor,
    )
    if basis_object is not None:
        row.basis_type = ContentType.objects.get_for_model(basis_object)
        row.basis_id = basis_object.pk
    row._history_user = actor
    row.save()
    _sync(case, agency=agency, user=user)
    log_action(
        actor=actor,
        action="cases.grant.created",
        obj=case,
        grant=row.pk,
        basis=basis,
        scope=scope,
        agency=agency.pk if agency else None,
        user=user.pk if user else None,
    )
    return row


@transaction.atomic
def revoke(*, grants, actor, reason: str, closure: CaseStatusChange | None = None) -> int:
    """Revoke ledger rows and take the permissions they implied away, at once. closure:
    the 終結/中断 that ends them (reopening looks for it)."""
    now = timezone.now()
    rows = list(
        AccessGrant.objects.select_for_update(of=("self",))
        .filter(pk__in=[g.pk for g in grants], revoked_at__isnull=True)
        .select_related("case", "case__household", "agency", "user")
    )
    for row in rows:
        row.revoked_at, row.revoked_by, row.revoke_reason = now, actor, reason[:200]
        row.ended_by_closure = closure
        row._history_user = actor
        row.save(update_fields=["revoked_at", "revoked_by", "revoke_reason", "ended_by_closure"])
    for case, agency, user in {(r.case, r.agency, r.user) for r in rows}:
        _sync(case, agency=agency, user=user if agency is None else None)
        log_action(
            actor=actor,
            action="cases.grant.revoked",
            obj=case,
            reason=reason,
            agency=agency.pk if agency else None,
        )
    return len(rows)


def revoke_for_basis(*, basis_object, actor, reason: str, user=None, case=None) -> int:
    """End the grants resting on basis_object (a referral, a meeting, a plan); narrowed
    to one holder user or one case when given (a member leaves, an agenda item goes)."""
    ct = ContentType.objects.get_for_model(basis_object)
    rows = AccessGrant.objects.filter(
        basis_type=ct, basis_id=basis_object.pk, revoked_at__isnull=True
    )
    if user is not None:
        rows = rows.filter(user=user)
    if case is not None:
        rows = rows.filter(case=case)
    return revoke(grants=list(rows), actor=actor, reason=reason)


def ended_grants_on(case: Case, basis_model) -> list[AccessGrant]:
    """Grants of this case that rested on a basis_model object (e.g. a Referral) and
    have ended, oldest end first: for marking records of agencies whose access ended."""
    ct = ContentType.objects.get_for_model(basis_model)
    return list(
        AccessGrant.objects.filter(case=case, basis_type=ct, revoked_at__isnull=False)
        .select_related("agency")
        .order_by("revoked_at")
    )


def revoke_for_consent(*, consent: Consent, actor, reason: str) -> int:
    """A consent was withdrawn or expired: every grant resting on it ends now."""
    rows = AccessGrant.objects.filter(
        consent=consent, revoked_at__isnull=True, basis__in=CONSENT_BASES
    )
    return revoke(grants=list(rows), actor=actor, reason=reason)


def revoke_lapsed_consents(*, actor=None, day=None) -> int:
    """Daily: grants whose consent expired (or was withdrawn) lose access."""
    day = day or timezone.localdate()
    lapsed = AccessGrant.objects.filter(
        revoked_at__isnull=True, basis__in=CONSENT_BASES, consent__isnull=False
    ).filter(Q(consent__withdrawn_on__lte=day) | Q(consent__expires_on__lt=day))
    return revoke(grants=list(lapsed), actor=actor, reason=_("本人同意の期限切れ・撤回"))


def end_for_closure(*, case: Case, actor, closure: CaseStatusChange) -> int:
    """終結/中断: the grants that rested on the case's support end. Plan roles end with
    the plan (cases.services closes it first; any row left ends here), direct shares
    with the case. LEAD, referral grants (they end with their referral) and meeting
    briefs stay. The rows remember the closure so reopening can find them."""
    rows = AccessGrant.objects.filter(case=case, revoked_at__isnull=True).filter(
        Q(basis=GrantBasis.PLAN_ROLE)
        | Q(basis__in=DIRECT_SHARE_BASES, basis_type__isnull=True, user__isnull=True)
    )
    reason = _("ケースの%(status)s") % {"status": closure.get_to_status_display()}
    return revoke(grants=list(rows), actor=actor, reason=reason, closure=closure)


def _still_allowed(row: AccessGrant) -> bool:
    """Whether a grant ended by a closure may come back on reopening: a direct share on
    consent while that consent still covers the agency. A legal exemption was judged
    for its moment (record it again); a plan role's plan is closed."""
    return row.basis == GrantBasis.CONSENT and consent_covers(row.consent, row.agency, row.case)


@transaction.atomic
def restore_after_reopening(*, case: Case, actor) -> list[AccessGrant]:
    """再開: the grants the last 終結/中断 ended come back as new ledger rows where their
    recorded basis still allows them; the others stay ended."""
    closure = (
        CaseStatusChange.objects.filter(case=case, to_status__in=ENDED_STATUSES)
        .order_by("-at", "-pk")
        .first()
    )
    if closure is None:
        return []
    ended = closure.ended_grants.select_related("case", "case__household", "agency", "consent")
    return [
        grant(
            case=case,
            agency=row.agency,
            basis=row.basis,
            scope=row.scope,
            actor=actor,
            consent=row.consent,
            note=row.note,
        )
        for row in ended.order_by("pk")
        if row.agency is not None and _still_allowed(row)
    ]


def holds_whereabouts(agency: Agency, household) -> bool:
    """Whether the agency may see what 住所秘匿 hides on the household: it registered it
    or leads one of its cases (the rule _sync_household gives that permission by)."""
    if household.registered_by_agency_id == agency.pk:
        return True
    return AccessGrant.objects.filter(
        case__household=household, agency=agency, scope=GrantScope.LEAD, revoked_at__isnull=True
    ).exists()


def case_opening_refusal(*, agency: Agency, household) -> str:
    """Why the agency may not open (and so lead) a case on the household, or "".

    The lead sees the household's whereabouts; on a 住所秘匿 household being lead of a
    case must not by itself open them. So only the desk and an agency that already
    holds the whereabouts open a case there; another agency that sees the household
    (through a referral, a plan role, a share) works inside the existing case."""
    if not household.is_address_confidential or agency.is_desk:
        return ""
    if holds_whereabouts(agency, household):
        return ""
    return _(
        "住所秘匿の世帯のケースを開始できるのは、福祉の相談窓口と、この世帯の所在を知る機関"
        "（世帯を登録した機関・ケースの主担当機関）だけです。"
        "支援が必要なときは、主担当機関に繋ぎや共有を依頼してください。"
    )


def set_lead(*, case: Case, agency: Agency, actor) -> None:
    """Make agency the lead: the old lead's LEAD grant ends, the new one begins."""
    old = AccessGrant.objects.filter(case=case, basis=GrantBasis.LEAD, revoked_at__isnull=True)
    old = [g for g in old if g.agency_id != agency.pk]
    if old:
        revoke(grants=old, actor=actor, reason=_("主担当機関の変更"))
    if not AccessGrant.objects.filter(
        case=case, agency=agency, basis=GrantBasis.LEAD, revoked_at__isnull=True
    ).exists():
        grant(case=case, agency=agency, basis=GrantBasis.LEAD, scope=GrantScope.LEAD, actor=actor)

"""Who sees which consultation. The receiving agency's case workers see theirs; apps
above intake (cases) widen this through register_visibility, so the one policy in
cases.sharing decides without intake importing it."""

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.audit import log_denied
from intake.models import Consultation

_EXTRA = []


def register_visibility(func):
    """func(user) -> Q over Consultation, OR-ed with the base rule."""
    _EXTRA.append(func)
    return func


def consultations_visible_to(user) -> QuerySet[Consultation]:
    if not user.is_authenticated or not user.works_on_cases:
        return Consultation.objects.none()
    q = Q(agency_id__in=user.agency_ids)
    for func in _EXTRA:
        q |= func(user)
    return Consultation.objects.filter(q)


def first_or_404(queryset: QuerySet, *, user, pk, object_type: str):
    """The row pk among those the user may see, or 404 with the refusal logged (the
    row's existence is not confirmed)."""
    row = queryset.filter(pk=pk).first()
    if row is None:
        log_denied(user=user, object_type=object_type, object_id=pk)
        raise Http404
    return row


def get_consultation_for_user(user, pk) -> Consultation:
    try:
        pk = int(pk)  # a pk from a query string or form may be anything
    except (TypeError, ValueError):
        raise Http404 from None
    return first_or_404(
        consultations_visible_to(user).select_related(
            "household", "received_by", "agency", "caller_agency"
        ),
        user=user,
        pk=pk,
        object_type="intake.consultation",
    )


def can_edit_consultation(user, consultation: Consultation) -> bool:
    """Edit and 訂正: the receiving agency's staff (those who see it through a case do
    not change what another desk recorded)."""
    return bool(
        user.is_authenticated and user.works_on_cases and consultation.agency_id in user.agency_ids
    )

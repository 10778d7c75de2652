"""log_reads: one AccessLog row per object a list page shows, written in one INSERT."""

from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.audit import log_reads
from accounts.models import AccessLog
from tests.factories import HouseholdFactory, PersonFactory


def test_one_row_per_distinct_object_with_its_person(desk):
    household = HouseholdFactory()
    first, second = PersonFactory(household=household), PersonFactory(household=household)
    request = RequestFactory().get("/households/")
    before = timezone.now()
    last = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    with CaptureQueriesContext(connection) as queries:
        log_reads(
            user=desk,
            objects=[household, first, None, second, first],  # None skipped, repeats once
            request=request,
            detail="list",
        )

    assert len(queries) == 1  # the INSERT
    rows = list(
        AccessLog.objects.filter(pk__gt=last)
        .order_by("pk")
        .values_list("user", "object_type", "object_id", "person_id", "outcome", "path", "detail")
    )
    assert rows == [
        (desk.pk, "households.household", str(household.pk), None, "read", "/households/", "list"),
        (desk.pk, "households.person", str(first.pk), first.pk, "read", "/households/", "list"),
        (desk.pk, "households.person", str(second.pk), second.pk, "read", "/households/", "list"),
    ]
    assert all(
        before <= at <= timezone.now()
        for at in AccessLog.objects.filter(pk__gt=last).values_list("at", flat=True)
    )


def test_nothing_written_for_an_empty_list_or_anonymous_user(desk):
    from django.contrib.auth.models import AnonymousUser

    person = PersonFactory()
    count = AccessLog.objects.count()

    log_reads(user=desk, objects=[], request=None)
    log_reads(user=AnonymousUser(), objects=[person], request=None)

    assert AccessLog.objects.count() == count

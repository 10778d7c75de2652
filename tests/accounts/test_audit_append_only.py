"""The two audit tables only grow: the application can neither change nor delete an
AccessLog or ActionLog row, through the instance or through a QuerySet, and the admin
offers no way to do so."""

import pytest
from django.contrib import admin
from django.db.models import ProtectedError
from django.test import RequestFactory

from accounts.audit import log_access, log_action
from accounts.models import AccessLog, ActionLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(desk, desk_agency):
    access = log_access(user=desk, object_type="cases.case", object_id="1", detail="before")
    action = log_action(actor=desk, action="cases.case.opened", obj=desk_agency, note="before")
    return access, action


def snapshot():
    return (
        list(AccessLog.objects.order_by("pk").values()),
        list(ActionLog.objects.order_by("pk").values()),
    )


def test_an_instance_cannot_be_saved_again_or_deleted(rows):
    access, action = rows
    before = snapshot()

    access.detail = "after"
    with pytest.raises(PermissionError):
        access.save()
    with pytest.raises(PermissionError):
        access.save(update_fields=["detail"])
    with pytest.raises(PermissionError):
        access.delete()
    action.action = "cases.case.tampered"
    with pytest.raises(PermissionError):
        action.save()
    with pytest.raises(PermissionError):
        action.delete()

    assert snapshot() == before


@pytest.mark.parametrize("model", [AccessLog, ActionLog], ids=lambda m: m.__name__)
@pytest.mark.parametrize(
    "operation",
    [
        lambda m: m.objects.update(object_id="2"),
        lambda m: m.objects.filter(object_id="1").update(object_id="2"),
        lambda m: m.objects.all().update(object_id="2"),
        lambda m: m.objects.all().delete(),
        lambda m: m.objects.filter(object_id="1").delete(),
        lambda m: m.objects.bulk_update(list(m.objects.all()), ["object_id"]),
        lambda m: m.objects.all().bulk_update(list(m.objects.all()), ["object_id"]),
        lambda m: m.objects.all()._raw_delete(m.objects.db),
    ],
    ids=[
        "manager.update",
        "filter.update",
        "all.update",
        "all.delete",
        "filter.delete",
        "manager.bulk_update",
        "queryset.bulk_update",
        "raw_delete",
    ],
)
def test_querysets_refuse_to_update_or_delete(rows, model, operation):
    before = snapshot()

    with pytest.raises(PermissionError, match="append-only"):
        operation(model)

    assert snapshot() == before


def test_rows_are_still_written_one_by_one_and_in_bulk(desk):
    log_access(user=desk, object_type="cases.case", object_id="1")
    AccessLog.objects.bulk_create(
        [AccessLog(user=desk, object_type="cases.case", object_id=str(k)) for k in range(3)]
    )

    assert AccessLog.objects.count() == 4


def test_a_user_with_log_rows_cannot_be_deleted(rows, desk):
    """The rows name their user with PROTECT: deleting the user would erase the trail."""
    before = snapshot()

    with pytest.raises(ProtectedError):
        desk.delete()

    assert snapshot() == before


@pytest.mark.parametrize("model", [AccessLog, ActionLog], ids=lambda m: m.__name__)
def test_the_admin_offers_no_change_and_no_delete(admin_user, model):
    """Registering the logs in the admin is allowed only read-only."""
    if not admin.site.is_registered(model):
        return
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert "delete_selected" not in model_admin.get_actions(request)

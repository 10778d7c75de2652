"""Expired desk exports lose their file: a daily beat task deletes it from storage, the
row stays (who took what out), and neither the page nor the download offers it."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from accounts.models import ActionLog
from imports import services
from imports.models import DeskExport, ExportStatus
from imports.tasks import imports_purge_expired_exports_task

pytestmark = pytest.mark.django_db


def made_export(manager, capture) -> DeskExport:
    with capture(execute=True):
        export = services.export_request(actor=manager)
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE and default_storage.exists(export.file.name)
    return export


def test_the_beat_schedule_runs_the_purge_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["imports-purge-expired-exports"]
    assert entry["task"] == "imports.tasks.imports_purge_expired_exports_task"
    assert entry["schedule"].hour == {2}


def test_expired_files_are_deleted_and_fresh_ones_kept(
    manager, categories, client_for, django_capture_on_commit_callbacks
):
    old = made_export(manager, django_capture_on_commit_callbacks)
    fresh = made_export(manager, django_capture_on_commit_callbacks)
    old_name = old.file.name
    DeskExport.objects.filter(pk=old.pk).update(expires_at=timezone.now() - dt.timedelta(hours=1))
    client = client_for(manager)
    # past its expiry, the download refuses even before the purge ran
    url = reverse("imports:export_download", args=[old.pk])
    assert client.get(url).status_code == 404

    assert imports_purge_expired_exports_task.delay().get() == 1

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.file.name == "" and not default_storage.exists(old_name)
    assert old.status == ExportStatus.DONE  # the row stays as the record
    assert fresh.file.name and default_storage.exists(fresh.file.name)
    purged = ActionLog.objects.get(action="imports.export.purged")
    assert purged.object_id == str(old.pk) and purged.data["file"] == old_name
    page = client.get(reverse("imports:export_status", args=[old.pk])).content.decode()
    assert "保存期限を過ぎたため、ファイルは削除しました" in page
    assert "Excelをダウンロード" not in page
    assert "Excelをダウンロード" in (
        client.get(reverse("imports:export_status", args=[fresh.pk])).content.decode()
    )
    # a second run finds nothing more
    assert imports_purge_expired_exports_task.delay().get() == 0

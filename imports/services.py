"""Writes of the imports app (STYLE 2): upload and check (the preview), decide, commit,
and the commit's run in the Celery task; the export request and its build.

The ImportBatch row is the source of truth for the task (as reports.MonthlyReport is):
the message only says "run batch N"; a claim (queued → running with the message's id)
makes a duplicated message a no-op, and rows already written are recognised by their
SourceKey, so running a batch again writes nothing twice.

All or nothing: without only_good, a batch with an error row is refused, and the rows
are written in one transaction: a row a service refuses at commit rolls everything
back and the batch fails naming the row. With only_good, rows with errors are skipped,
and each row is written in a savepoint of its own, so one refused row leaves the
others written (the page lists which). Progress moves in the cache while the
transaction runs (the row itself is only visible after it commits).
"""

import datetime as dt
import logging

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import log_action
from accounts.choices import Role
from accounts.models import Agency
from accounts.system import system_user
from imports import reader
from imports.models import (
    PENDING,
    BatchStatus,
    DeskExport,
    ExportStatus,
    ImportBatch,
    ImportRow,
    RowState,
)
from imports.reader import ImportRefused
from imports.writer import RowFailed, Writer, _message

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 50  # rows between progress updates
# Rows written together through the owning apps' bulk services (imports.writer
# write_households_bulk), each chunk in a savepoint of its own.
CHUNK_ROWS = 500
BULK_LEDGERS = {"households"}


class ImportActionRefused(ValidationError):
    """A refused action on a batch; the message is Japanese."""


def manager_agency(user) -> Agency | None:
    """The desk agency the user manages (an active 管理者 of the desk), or None: only
    they bring ledgers in and take the desk's data out."""
    if not user.is_authenticated or not user.has_role(Role.MANAGER) or not user.is_desk_staff:
        return None
    membership = (
        user.memberships.filter(is_active=True, role=Role.MANAGER, agency__is_desk=True)
        .select_related("agency")
        .order_by("pk")
        .first()
    )
    return membership.agency if membership else None


def progress_key(batch_id: int) -> str:
    return f"imports:batch:{batch_id}:progress"


def batch_progress(batch: ImportBatch) -> int:
    if batch.status == BatchStatus.RUNNING:
        return cache.get(progress_key(batch.pk), batch.progress)
    return batch.progress


# ---------------------------------------------------------------- preview


@transaction.atomic
def batch_preview(*, actor, upload) -> ImportBatch:
    """Read and check an uploaded workbook and keep every row with its errors; nothing
    of the domain is written. Raises ImportRefused (not an xlsx, broken, no ledger sheet,
    a missing column) and ImportActionRefused (not a desk manager)."""
    agency = manager_agency(actor)
    if agency is None:
        raise ImportActionRefused(_("台帳を取り込めるのは相談窓口の管理者だけです。"))
    name = getattr(upload, "name", "") or ""
    sheets = reader.read_workbook(upload, name)
    checked = reader.Checker(actor=actor, agency=agency).check(sheets)
    batch = ImportBatch.objects.create(
        agency=agency,
        uploaded_by=actor,
        file_name=name[:255],
        total_rows=len(checked),
        error_rows=sum(1 for c in checked if c.errors),
        already_rows=sum(1 for c in checked if c.state == RowState.ALREADY),
    )
    ImportRow.objects.bulk_create(
        [
            ImportRow(
                batch=batch,
                ledger=c.ledger,
                line=c.line,
                key=c.key[:100],
                values=c.values,
                errors=c.errors,
                state=c.state,
                candidate_person=c.candidate_person,
                candidate_key=c.candidate_key[:100],
                candidate_label=c.candidate_label[:300],
                decision="same" if (c.candidate_person or c.candidate_key) else "",
                candidate_household=c.candidate_household,
                household_decision="same" if c.candidate_household else "",
            )
            for c in checked
        ],
        batch_size=1000,
    )
    log_action(
        actor=actor,
        action="imports.batch.previewed",
        obj=batch,
        rows=batch.total_rows,
        errors=batch.error_rows,
    )
    return batch


@transaction.atomic
def batch_decide(
    *, actor, batch: ImportBatch, decisions: dict[int, str], households: dict[int, str] = None
) -> int:
    """Same person or new, for rows offered a match (decisions), and same household or
    new, for rows offered a registered household (households). Only while previewing."""
    if batch.uploaded_by_id != actor.pk or batch.status != BatchStatus.PREVIEW:
        raise ImportActionRefused(_("この取込はもう変更できません。"))
    households = households or {}
    rows = batch.rows.filter(pk__in=[*decisions, *households])
    changed = 0
    for row in rows:
        fields = []
        value = decisions.get(row.pk)
        if row.has_candidate and value in ("same", "new") and row.decision != value:
            row.decision = value
            fields.append("decision")
        value = households.get(row.pk)
        if (
            row.candidate_household_id
            and value in ("same", "new")
            and row.household_decision != value
        ):
            row.household_decision = value
            fields.append("household_decision")
        if fields:
            row.save(update_fields=fields)
            changed += 1
    return changed


# ---------------------------------------------------------------- commit


def _queue_options() -> dict:
    """A queue of its own when IMPORTS_CELERY_QUEUE is set (the real-worker tests)."""
    queue = getattr(settings, "IMPORTS_CELERY_QUEUE", None)
    return {"queue": queue} if queue else {}


def _send_on_commit(task_name: str, object_id: int, what: str) -> None:
    """Queue the task after commit. It is named, not imported: imports.tasks imports
    this module (tasks call services, never the other way), and registers the task when
    the app is ready (ImportsConfig.ready), so eager test runs still find it by name."""

    def send():
        try:
            current_app.signature(task_name).apply_async(args=[object_id], **_queue_options())
        except Exception:  # the broker is down: the row stays queued; ask again
            logger.warning("%s %s: could not send the message", what, object_id, exc_info=True)

    transaction.on_commit(send)


def _enqueue_on_commit(batch_id: int) -> None:
    _send_on_commit("imports.tasks.imports_commit_task", batch_id, "import")


@transaction.atomic
def batch_commit(*, actor, batch: ImportBatch, only_good: bool = False) -> ImportBatch:
    """Ask for the batch to be written. Refused when rows have errors and only_good is
    not chosen (the file imports nothing until fixed). Side effects: action log; the
    task's message after commit."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.uploaded_by_id != actor.pk or manager_agency(actor) != batch.agency:
        raise ImportActionRefused(_("この取込を実行する権限がありません。"))
    if batch.status != BatchStatus.PREVIEW:
        raise ImportActionRefused(_("この取込はすでに実行しました。"))
    if batch.error_rows and not only_good:
        raise ImportActionRefused(
            _(
                "エラーのある行が %(n)s 行あります。ファイルを直してもう一度アップロードするか、"
                "「エラーのない行だけ取り込む」を選んでください。"
            )
            % {"n": batch.error_rows}
        )
    if batch.total_rows == batch.error_rows + batch.already_rows:
        raise ImportActionRefused(_("取り込む行がありません（すべて取込済みかエラーです）。"))
    batch.status = BatchStatus.QUEUED
    batch.only_good = only_good
    batch.progress = 0
    batch.save(update_fields=["status", "only_good", "progress"])
    log_action(actor=actor, action="imports.batch.committed", obj=batch, only_good=only_good)
    _enqueue_on_commit(batch.pk)
    return batch


def batch_claim(*, batch_id: int, token: str) -> ImportBatch | None:
    with transaction.atomic():
        batch = (
            ImportBatch.objects.select_for_update(skip_locked=True)
            .select_related("agency", "uploaded_by")
            .filter(pk=batch_id)
            .first()
        )
        if batch is None or batch.status not in PENDING:
            return None
        if batch.status == BatchStatus.RUNNING and batch.claim_token != token:
            return None  # another message holds it
        batch.status = BatchStatus.RUNNING
        batch.claim_token = token
        batch.started_at = timezone.now()
        batch.save(update_fields=["status", "claim_token", "started_at"])
    cache.set(progress_key(batch.pk), 0, 3600)
    return batch


def _rows_to_write(batch: ImportBatch):
    from imports.ledgers import ORDER

    rows = list(batch.rows.filter(state=RowState.PENDING).order_by("pk"))
    rows.sort(key=lambda r: (ORDER.index(r.ledger), r.pk))
    return rows


def batch_run(*, batch_id: int, token: str) -> str:
    """The task's work: write the batch's rows as the importing user."""
    batch = batch_claim(batch_id=batch_id, token=token)
    if batch is None:
        return "skipped"
    actor = batch.uploaded_by
    if manager_agency(actor) != batch.agency:  # the role may have gone since the request
        return _finish(
            batch,
            failed=_("取り込んだ職員が窓口の管理者ではなくなったため、取り込みませんでした。"),
        )
    rows = _rows_to_write(batch)
    total = max(1, len(rows))
    outcome: dict[int, tuple[str, str]] = {}
    failed_row = None
    index = 0
    try:
        with transaction.atomic():
            writer = Writer(batch=batch, actor=actor)
            for chunk in _chunks(rows):
                if chunk[0].ledger in BULK_LEDGERS:
                    done = _write_chunk_bulk(writer, chunk)
                    if done is not None:
                        for row in chunk:
                            if row.pk in done:
                                state = RowState.WRITTEN if done[row.pk] else RowState.ALREADY
                                outcome[row.pk] = (state, "")
                            else:
                                outcome[row.pk] = (RowState.SKIPPED, "")
                        index += len(chunk)
                        cache.set(progress_key(batch.pk), min(99, index * 100 // total), 3600)
                        continue
                for row in chunk:
                    index += 1
                    if row.errors:
                        outcome[row.pk] = (RowState.SKIPPED, "")
                    elif batch.only_good:
                        mark = writer.mark()
                        try:
                            with transaction.atomic():
                                done = writer.write(row)
                        except (ValidationError, RowFailed, DatabaseError, KeyError) as exc:
                            outcome[row.pk] = (RowState.FAILED, _message(exc))
                            writer.forget_since(mark)
                            continue
                        outcome[row.pk] = (RowState.WRITTEN if done else RowState.ALREADY, "")
                    else:
                        try:
                            done = writer.write(row)
                        except (ValidationError, RowFailed, KeyError) as exc:
                            failed_row = (row, _message(exc))
                            raise
                        outcome[row.pk] = (RowState.WRITTEN if done else RowState.ALREADY, "")
                    if index % PROGRESS_EVERY == 0:
                        cache.set(progress_key(batch.pk), min(99, index * 100 // total), 3600)
    except (ValidationError, RowFailed, KeyError):
        row, message = failed_row
        with transaction.atomic():
            row.state = RowState.FAILED
            row.message = message
            row.save(update_fields=["state", "message"])
        return _finish(
            batch,
            failed=_(
                "%(sheet)sの%(line)s行目を取り込めませんでした: %(message)s "
                "ファイルを直してもう一度アップロードしてください（何も取り込んでいません）。"
            )
            % {"sheet": _sheet(row.ledger), "line": row.line, "message": message},
        )
    except Exception:
        logger.exception("import %s failed", batch.pk)
        return _finish(batch, failed=_("取込中にエラーが発生しました。何も取り込んでいません。"))
    with transaction.atomic():
        for state in (RowState.WRITTEN, RowState.ALREADY, RowState.SKIPPED, RowState.FAILED):
            ids = [pk for pk, (s, _m) in outcome.items() if s == state and not _m]
            for start in range(0, len(ids), 1000):
                ImportRow.objects.filter(pk__in=ids[start : start + 1000]).update(state=state)
        for pk, (state, message) in outcome.items():
            if message:
                ImportRow.objects.filter(pk=pk).update(state=state, message=message)
    written = sum(1 for s, _m in outcome.values() if s == RowState.WRITTEN)
    return _finish(batch, written=written)


def _chunks(rows):
    """Consecutive rows of one ledger, at most CHUNK_ROWS each."""
    chunk = []
    for row in rows:
        if chunk and (len(chunk) == CHUNK_ROWS or row.ledger != chunk[0].ledger):
            yield chunk
            chunk = []
        chunk.append(row)
    if chunk:
        yield chunk


def _write_chunk_bulk(writer: Writer, chunk) -> dict[int, bool] | None:
    """Write a chunk's good rows at once, in a savepoint. None when anything in it was
    refused: the savepoint is rolled back and the caller writes the chunk again row by
    row, so the row at fault is named (or, with only_good, skipped alone)."""
    good = [row for row in chunk if not row.errors]
    snapshot = writer.snapshot()
    try:
        with transaction.atomic():
            return writer.write_households_bulk(good)
    except (ValidationError, RowFailed, DatabaseError, KeyError):
        logger.info("import %s: a chunk is written again row by row", writer.batch.pk)
        writer.restore(snapshot)
        return None


def _sheet(code: str) -> str:
    from imports.ledgers import BY_CODE

    return f"「{BY_CODE[code].sheet}」"


@transaction.atomic
def _finish(batch: ImportBatch, *, failed: str = "", written: int = 0) -> str:
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    batch.finished_at = timezone.now()
    batch.progress = 100
    batch.written_rows = written
    if failed:
        batch.status = BatchStatus.FAILED
        batch.error = failed[:2000]
    else:
        batch.status = BatchStatus.DONE
    batch.save()
    cache.delete(progress_key(batch.pk))
    log_action(
        actor=batch.uploaded_by,
        action=f"imports.batch.{batch.status}",
        obj=batch,
        written=written,
    )
    return batch.status


# ---------------------------------------------------------------- export


def export_keep_for() -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, "IMPORTS_EXPORT_KEEP_DAYS", 7))


@transaction.atomic
def export_request(*, actor) -> DeskExport:
    """A desk manager asks for the desk's ledgers as one workbook. Side effects: action
    log; the build message after commit."""
    agency = manager_agency(actor)
    if agency is None:
        raise ImportActionRefused(_("窓口のデータを出力できるのは相談窓口の管理者だけです。"))
    export = DeskExport.objects.create(agency=agency, requested_by=actor)
    log_action(actor=actor, action="imports.export.requested", obj=export)

    _send_on_commit("imports.tasks.imports_export_task", export.pk, "export")
    return export


def export_build(*, export_id: int) -> str:
    from imports import export as export_module

    with transaction.atomic():
        export = DeskExport.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.status != ExportStatus.QUEUED:
            return "skipped"
        export.status = ExportStatus.RUNNING
        export.save(update_fields=["status"])
    actor = export.requested_by
    if manager_agency(actor) != export.agency:
        export.status = ExportStatus.FAILED
        export.error = _("出力を依頼した職員が窓口の管理者ではなくなりました。")
        export.save(update_fields=["status", "error"])
        return export.status
    try:
        data, person_ids = export_module.build_workbook(user=actor, agency=export.agency)
    except Exception:
        logger.exception("export %s failed", export.pk)
        export.status = ExportStatus.FAILED
        export.error = _("出力中にエラーが発生しました。")
        export.save(update_fields=["status", "error"])
        return export.status
    from django.core.files.base import ContentFile

    name = f"desk-ledgers-{export.agency_id}-{export.pk}.xlsx"
    export.file.save(name, ContentFile(data), save=False)
    export.person_ids = person_ids
    export.status = ExportStatus.DONE
    export.progress = 100
    export.finished_at = timezone.now()
    export.expires_at = export.finished_at + export_keep_for()
    export.save()
    log_action(actor=actor, action="imports.export.done", obj=export)
    return export.status


def export_purge_expired(*, now: dt.datetime | None = None) -> int:
    """Beat, daily: delete the files of exports past their expiry (the personal data
    they hold leaves the server); the row stays as the record of who took what out.
    Returns how many files were deleted."""
    now = now or timezone.now()
    expired = DeskExport.objects.filter(expires_at__lte=now).exclude(file="")
    count = 0
    actor = None
    for export in expired:  # at most a few a day
        actor = actor or system_user()
        with transaction.atomic():
            name = export.file.name
            export.file.delete(save=False)
            DeskExport.objects.filter(pk=export.pk).update(file="")  # not historied
            log_action(actor=actor, action="imports.export.purged", obj=export, file=name)
        count += 1
    return count


__all__ = ["ImportRefused", "ImportActionRefused"]

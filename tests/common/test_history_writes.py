"""Two guarantees about simple-history (STYLE 8):

1. Every history row written by a Celery task or a management command names its user
   (the system user, accounts.system.system_user(), when no person acts). Each task runs
   eagerly, each command as `manage.py` would; the new historical rows of every historied
   model are then read back.
2. Nothing writes a historied model with QuerySet.update(), bulk_create() or
   bulk_update() (they skip simple-history: the change would have no history row and no
   user) outside simple-history's own helpers. The source is scanned with ast.
"""

import ast
import datetime as dt
import io
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from accounts.system import system_user
from cases import services as case_services
from cases.choices import ExemptionReason, GrantScope
from tests.factories import ConsentFactory
from tests.factories_referrals import ReferralFactory, make_case
from tests.factories_reports import MonthlyReportFactory, finish_report
from tests.project import project_apps

APPS = project_apps()
BASE = Path(settings.BASE_DIR)


def historied_models() -> list:
    return [
        model
        for model in apps.get_models()
        if getattr(model._meta, "simple_history_manager_attribute", None)
    ]


def history_marks() -> dict:
    """The newest history id of every historied model, before something runs."""
    return {
        model: model.history.aggregate(top=Max("history_id"))["top"] or 0
        for model in historied_models()
    }


def new_history(marks: dict) -> list[tuple[str, int | None]]:
    """(model label, history_user_id) of every history row written since marks."""
    rows = []
    for model, mark in marks.items():
        rows += [
            (model._meta.label, user_id)
            for user_id in model.history.filter(history_id__gt=mark).values_list(
                "history_user_id", flat=True
            )
        ]
    return rows


def assert_all_named(rows, *, expect_models=(), user=None):
    nameless = sorted({label for label, user_id in rows if user_id is None})
    assert not nameless, f"history rows without a user: {nameless}"
    labels = {label for label, _u in rows}
    assert set(expect_models) <= labels, f"expected history of {expect_models}, got {labels}"
    if user is not None:
        assert {user_id for _l, user_id in rows} == {user.pk}


@contextmanager
def days_later(days: float):
    """Run as if `days` days had passed (tasks compare with timezone.now/localdate)."""
    later = timezone.now() + dt.timedelta(days=days)
    with mock.patch("django.utils.timezone.now", return_value=later):
        yield


# ---------------------------------------------------------------- the tasks


@pytest.fixture
def reports_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DESK_OPENED_ON = "2023-06-01"


@pytest.fixture
def shared_case(desk, desk_agency, partner_agency, outsider_agency):
    """A desk case shared with the partner on a consent that ends tomorrow, referred to
    the partner on that consent, and to the outsider agency on a legal exemption (whose
    answer date will pass)."""
    case, principal, _son = make_case(desk=desk, desk_agency=desk_agency)
    consent = ConsentFactory(
        person=principal,
        agencies=[partner_agency],
        recorded_by=desk,
        expires_on=timezone.localdate() + dt.timedelta(days=1),
    )
    case_services.case_share(
        actor=desk, case=case, agency=partner_agency, scope=GrantScope.RECORDS, consent=consent
    )
    ReferralFactory(case=case, actor=desk, to_agency=partner_agency, consent=consent)
    ReferralFactory(
        case=case,
        actor=desk,
        to_agency=outsider_agency,
        exemption_reason=ExemptionReason.LIFE,
        exemption_note="本人が倒れており、至急の対応が必要",
    )
    return case


@pytest.mark.django_db
def test_revoke_lapsed_consents_task_names_the_system_user(shared_case):
    from cases.tasks import cases_revoke_lapsed_consents_task

    marks = history_marks()
    with days_later(5):
        revoked = cases_revoke_lapsed_consents_task.delay().get()

    assert revoked >= 1
    assert_all_named(new_history(marks), expect_models=["cases.AccessGrant"], user=system_user())


@pytest.mark.django_db
def test_mark_overdue_task_names_the_system_user(shared_case):
    from referrals.tasks import referrals_mark_overdue_task

    marks = history_marks()
    with days_later(60):
        overdue = referrals_mark_overdue_task.delay().get()

    assert overdue == 1  # the exemption referral; the consented one ended instead
    assert_all_named(
        new_history(marks),
        expect_models=["referrals.Referral", "referrals.ReferralEvent", "referrals.Notification"],
        user=system_user(),
    )


@pytest.mark.django_db
def test_send_email_task_writes_no_history(desk, mailoutbox):
    from referrals.tasks import referrals_send_email_task

    desk.email = "desk@example.invalid"
    desk.save()
    marks = history_marks()

    sent = referrals_send_email_task.delay(user_ids=[desk.pk], subject="繋ぎ", path="/").get()

    assert sent == 1
    assert new_history(marks) == []


@pytest.mark.django_db
def test_schedule_and_build_tasks_name_the_system_user(
    reports_media, django_capture_on_commit_callbacks
):
    """The beat task requests last month's report; the build task (run after commit)
    claims and finishes it: every step's history row names the system user."""
    from reports import build
    from reports.tasks import reports_schedule_monthly_task

    marks = history_marks()
    with (
        mock.patch.object(build, "report_pdf", return_value=b"%PDF-stand-in"),
        mock.patch.object(build, "report_xlsx", return_value=b"PK-stand-in"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        report_id = reports_schedule_monthly_task.delay().get()

    assert report_id is not None
    rows = new_history(marks)
    assert [label for label, _u in rows].count(
        "reports.MonthlyReport"
    ) == 3  # queued, running, done
    assert_all_named(rows, expect_models=["reports.MonthlyReport"], user=system_user())


@pytest.mark.django_db
def test_requeue_stuck_task_names_the_system_user(reports_media, manager):
    from reports.tasks import reports_requeue_stuck_task

    report = MonthlyReportFactory(requested_by=manager)  # queued, never built
    marks = history_marks()
    with days_later(1 / 24):  # an hour: past REPORTS_STUCK_AFTER_SECONDS, before giving up
        requeued = reports_requeue_stuck_task.delay().get()

    assert requeued == [report.pk]
    assert_all_named(new_history(marks), expect_models=["reports.MonthlyReport"])


@pytest.mark.django_db
def test_purge_expired_task_names_the_system_user(reports_media, manager):
    from reports.tasks import reports_purge_expired_task

    finish_report(MonthlyReportFactory(requested_by=manager))
    marks = history_marks()
    with days_later(400):
        purged = reports_purge_expired_task.delay().get()

    assert purged == 1
    assert_all_named(
        new_history(marks), expect_models=["reports.MonthlyReport"], user=system_user()
    )


@pytest.fixture
def import_ledger(reports_media, desk, manager, partner_agency):
    """A previewed workbook of every ledger (世帯・世帯員 to 繋ぎ), uploaded by the desk's
    manager; the master list of categories in place (a transactional test may have
    flushed its data migration)."""
    import importlib

    from imports import services as import_services
    from tests.imports.helpers import book_bytes, upload
    from tests.imports.test_imports import ledger

    importlib.import_module("intake.migrations.0002_seed_categories").seed(apps, None)
    return import_services.batch_preview(actor=manager, upload=upload(book_bytes(ledger())))


@pytest.mark.django_db
def test_imports_commit_task_names_the_importing_user(import_ledger, manager):
    """Every row the commit writes (through the services) names the manager who
    uploaded the file, not the system user: the task acts for them."""
    from imports import services as import_services
    from imports.models import BatchStatus
    from imports.tasks import imports_commit_task

    batch = import_services.batch_commit(actor=manager, batch=import_ledger)  # message: below
    marks = history_marks()

    status = imports_commit_task.delay(batch.pk).get()

    assert status == BatchStatus.DONE
    assert_all_named(
        new_history(marks),
        expect_models=[
            "households.Household",
            "households.Person",
            "intake.Consultation",
            "cases.Case",
            "cases.SupportRecord",
            "referrals.Referral",
        ],
        user=manager,
    )


@pytest.mark.django_db
def test_imports_export_task_writes_no_history(import_ledger, manager):
    """The export reads the desk's ledgers into a file: no history row at all."""
    from imports import services as import_services
    from imports.models import ExportStatus
    from imports.tasks import imports_export_task

    export = import_services.export_request(actor=manager)  # message: below
    marks = history_marks()

    status = imports_export_task.delay(export.pk).get()

    assert status == ExportStatus.DONE
    assert new_history(marks) == []


@pytest.mark.django_db
def test_imports_purge_expired_exports_task_writes_no_history(import_ledger, manager):
    """The purge deletes expired export files; DeskExport is not historied."""
    from imports import services as import_services
    from imports.models import DeskExport
    from imports.tasks import imports_purge_expired_exports_task

    export = import_services.export_request(actor=manager)
    import_services.export_build(export_id=export.pk)
    DeskExport.objects.filter(pk=export.pk).update(expires_at=timezone.now())
    marks = history_marks()

    assert imports_purge_expired_exports_task.delay().get() == 1
    assert new_history(marks) == []


@pytest.mark.django_db
def test_daily_reminders_task_writes_no_history(shared_case, desk, mailoutbox):
    """Reminders and the digest mark are plain rows (not historied): the beat task
    writes them and sends the digest, and no history row."""
    from cases.reminders import cases_daily_reminders_task, preference_set

    desk.email = "desk@example.invalid"
    desk.save()
    preference_set(actor=desk, email_digest=True)
    marks = history_marks()

    done = cases_daily_reminders_task.delay().get()

    assert done["created"] >= 1 and done["digests"] == 1
    assert new_history(marks) == []


TESTED_TASKS = {
    "cases.reminders.cases_daily_reminders_task",
    "imports.tasks.imports_commit_task",
    "imports.tasks.imports_export_task",
    "imports.tasks.imports_purge_expired_exports_task",
    "cases.tasks.cases_revoke_lapsed_consents_task",
    "referrals.tasks.referrals_mark_overdue_task",
    "referrals.tasks.referrals_send_email_task",
    "reports.tasks.reports_build_monthly_task",  # run by the schedule test, after commit
    "reports.tasks.reports_schedule_monthly_task",
    "reports.tasks.reports_requeue_stuck_task",
    "reports.tasks.reports_purge_expired_task",
}


def _tasks_in_source() -> set[str]:
    """Every @shared_task of the project's source, in tasks.py or not (a beat task may
    live beside its service: cases.reminders)."""
    found = set()
    for path in _source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = ".".join(path.relative_to(BASE).with_suffix("").parts)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and any(
                "shared_task" in ast.unparse(d) for d in node.decorator_list
            ):
                found.add(f"{module}.{node.name}")
    return found


def test_every_task_is_tested_above():
    assert _tasks_in_source() == TESTED_TASKS


# ---------------------------------------------------------------- the commands


@pytest.mark.django_db
def test_seed_demo_names_a_user_on_every_history_row():
    marks = history_marks()

    call_command("seed_demo", stdout=io.StringIO())

    rows = new_history(marks)
    assert len(rows) > 50
    assert_all_named(
        rows, expect_models=["accounts.Agency", "households.Household", "households.Person"]
    )


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="seed_city is PostgreSQL only")
def test_seed_city_names_a_user_on_every_history_row():
    """Its COPY rows have no history at all (a deliberate bulk loader, see below); the
    agencies, memberships, districts and categories it makes one by one name the system
    user, there being no administrator on the empty database it requires."""
    marks = history_marks()

    call_command("seed_city", households=10, seed=3, stdout=io.StringIO())

    assert_all_named(
        new_history(marks),
        expect_models=["accounts.Agency", "accounts.Membership", "households.District"],
        user=system_user(),
    )


@pytest.mark.django_db
def test_bench_report_names_a_user_on_every_history_row(reports_media):
    from benchmarks.management.commands import bench_report

    marks = history_marks()
    with (
        mock.patch.object(bench_report, "report_pdf", return_value=b"%PDF-stand-in"),
        mock.patch.object(bench_report, "report_xlsx", return_value=b"PK-stand-in"),
    ):
        call_command(
            "bench_report",
            scale=0.02,
            months=1,
            repeat=1,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )

    assert_all_named(new_history(marks), expect_models=["accounts.Agency"], user=system_user())


@pytest.mark.django_db
def test_bench_import_names_a_user_on_every_history_row(reports_media):
    """Its rows go through the import's services as its own desk manager; the desk and
    the manager's membership it makes (once) must name a user too."""
    marks = history_marks()

    call_command("bench_import", rows=12, stdout=io.StringIO())

    assert_all_named(
        new_history(marks), expect_models=["households.Household", "households.Person"]
    )


# Commands not run above, and why.
NOT_RUN = {
    "set_desk_agency": "writes only through accounts.services.agency_set_desk as the "
    "system user; run in tests/accounts/test_admin_impersonation.py",
    "demo_code": "reads the demo persona's TOTP device and prints its code; writes nothing",
    "cases_apply_closure": "writes only through cases.services.case_end_plan_and_shares as "
    "the system user; run in tests/cases/test_closure_and_access.py",
    "bench_pages": "times pages of a city seeded by seed_city; its only write is the "
    "allowlisted SupportRecord.bulk_create top-up below, which writes no history row",
    "bench_drilldown": "times the figure lists of a city seeded by seed_city (PostgreSQL); "
    "its only write is the partner manager it makes once through accounts.services "
    "(user_create, membership_add) as the system user",
}
RUN = {"seed_demo", "seed_city", "bench_report", "bench_import"}


def test_every_command_is_run_or_explained():
    commands = {path.stem for path in BASE.glob("*/management/commands/*.py")} - {"__init__"}
    assert commands == RUN | set(NOT_RUN)


# ---------------------------------------------------------------- no bulk writes

BULK_METHODS = {"update", "bulk_create", "bulk_update"}

# Deliberate bulk loaders of synthetic benchmark data, never of real records: they skip
# the services, simple-history and the action log for speed, on purpose.
ALLOWED = {
    "benchmarks/city/people.py": (
        "seeds a synthetic city for bench_pages with COPY; its only update() is the "
        "password of its own city_* users (User is not historied)"
    ),
    "benchmarks/year.py": (
        "seeds a city-scale year for timing the statistics with bulk_create (_bulk)"
    ),
    "benchmarks/management/commands/bench_pages.py": (
        "tops the benchmark case up to 300 SupportRecords with bulk_create"
    ),
}


def _source_files():
    for app in APPS:
        for path in sorted((BASE / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield path


def _chain(node) -> tuple[str | None, list[str]]:
    """The root name and the attribute names of a receiver expression such as
    `Case.objects.filter(x=1).select_related("y")` -> ("Case", ["objects", "filter",
    "select_related"])."""
    attrs = []
    while True:
        if isinstance(node, ast.Attribute):
            attrs.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Name):
            return node.id, list(reversed(attrs))
        else:
            return None, list(reversed(attrs))


class BulkWriteFinder(ast.NodeVisitor):
    """Calls of .update / .bulk_create / .bulk_update whose receiver is a queryset or
    manager of a historied model: `Model.objects…`, a related manager named like one of
    a historied model's reverse accessors, or a local name assigned from either."""

    def __init__(self, models: dict, related: dict):
        self.models = models  # class name -> model
        self.related = related  # reverse accessor name -> model
        self.found = []  # (line, model, method, keyword names)
        self.scopes = [{}]

    def _model_of(self, node):
        root, attrs = _chain(node)
        if root in self.models and "objects" in attrs:
            return self.models[root]
        for scope in reversed(self.scopes):
            if root in scope:
                return scope[root]
        if attrs and attrs[0] in self.related and root not in {"self", "cls"}:
            return self.related[attrs[0]]
        return None

    def visit_FunctionDef(self, node):
        self.scopes.append({})
        self.generic_visit(node)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Assign(self, node):
        model = self._model_of(node.value)
        for target in node.targets:
            if isinstance(target, ast.Name):
                if model is not None:
                    self.scopes[-1][target.id] = model
                else:
                    self.scopes[-1].pop(target.id, None)
        self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in BULK_METHODS:
            model = self._model_of(func.value)
            if model is not None:
                keywords = {k.arg for k in node.keywords if k.arg}
                self.found.append((node.lineno, model, func.attr, keywords))
        self.generic_visit(node)


def _finder() -> BulkWriteFinder:
    historied = historied_models()
    models = {model.__name__: model for model in historied}
    related = {}
    for model in historied:
        for field in model._meta.get_fields():
            if field.is_relation and field.auto_created and not field.concrete:
                continue
            remote = getattr(field, "remote_field", None)
            if remote is not None and getattr(field, "concrete", False) and field.many_to_one:
                accessor = remote.get_accessor_name()
                if accessor and not accessor.endswith("+"):
                    related[accessor] = model
    return BulkWriteFinder(models, related)


def _history_excluded(model) -> set[str]:
    return set(model.history.model._history_excluded_fields)


def bulk_writes(source: str) -> list[str]:
    """Violations in source: `line: Model.method`. An update() that only moves fields
    left out of the model's history changes nothing the history records, and passes."""
    finder = _finder()
    finder.visit(ast.parse(source))
    out = []
    for line, model, method, keywords in finder.found:
        if method == "update" and keywords and keywords <= _history_excluded(model):
            continue
        out.append(f"{line}: {model.__name__}.{method}")
    return out


def test_no_bulk_writes_on_historied_models():
    violations = []
    for path in _source_files():
        relative = path.relative_to(BASE).as_posix()
        if relative in ALLOWED:
            continue
        violations += [f"{relative}:{v}" for v in bulk_writes(path.read_text(encoding="utf-8"))]
    assert violations == [], (
        "QuerySet.update()/bulk_create()/bulk_update() on a historied model skip its history: "
        "use save_as() per row, or simple_history.utils.bulk_create_with_history / "
        "bulk_update_with_history"
    )


def test_the_allowlisted_loaders_exist():
    for relative, reason in ALLOWED.items():
        assert (BASE / relative).is_file(), relative
        assert reason


SAMPLE = """
from cases.models import Case, SupportRecord
from reports.models import MonthlyReport
from accounts.models import User

def bad(case, household):
    Case.objects.filter(pk=1).update(title="x")
    SupportRecord.objects.bulk_create([])
    qs = Case.objects.filter(status="open")
    qs.update(status="closed")
    Case.objects.bulk_update([case], ["title"])
    household.memberships.update(until=None)

def fine(context, report, form):
    context.update({"a": 1})
    form.fields["x"].widget.attrs.update({"b": 2})
    User.objects.filter(pk=1).update(password="!")
    MonthlyReport.objects.filter(pk=report.pk).update(progress=1, heartbeat_at=None)
    qs = Case.objects.all()
    qs = [1, 2]
    qs.update()
"""


def test_the_scan_finds_what_it_should():
    assert bulk_writes(SAMPLE) == [
        "7: Case.update",
        "8: SupportRecord.bulk_create",
        "10: Case.update",
        "11: Case.bulk_update",
        "12: HouseholdMembership.update",
    ]

"""Time the preview and the commit of a generated 10,000-row ledger (世帯・世帯員).
Run on an own database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jusou_bench_import \\
        .venv/bin/python manage.py bench_import --rows 10000

Creates (once) a desk agency and a manager of its own; each run uses fresh keys, so
every run writes its rows anew."""

import io
import random
import time
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.test.utils import override_settings
from openpyxl import Workbook

from accounts.choices import AgencyKind, Role
from accounts.models import Agency, Membership, User
from accounts.services import agency_create, membership_add, user_create
from accounts.system import system_user
from benchmarks.seeding import create_database
from imports import services
from imports.ledgers import BY_CODE
from imports.models import ImportBatch

FAMILY = ["ヤマダ", "サトウ", "スズキ", "タカハシ", "タナカ", "ワタナベ", "イトウ", "ナカムラ"]
GIVEN = ["タロウ", "ハナコ", "イチロウ", "ジロウ", "サクラ", "ケン", "ユミ", "マコト"]


class Command(BaseCommand):
    help = "Time the import preview and commit of a generated ledger."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=10_000)
        parser.add_argument(
            "--create-database",
            action="store_true",
            help="create the PostgreSQL database if missing, and migrate",
        )

    def handle(self, *args, rows, **options):
        if options["create_database"]:
            create_database(self.stdout)
            call_command("migrate", verbosity=0, interactive=False)
        # Made once, through accounts.services as the system user, so that every
        # history row names a user (tests/common/test_history_writes.py).
        actor = system_user()
        desk = Agency.objects.filter(name="ベンチ町 ふくしの相談窓口").first()
        if desk is None:
            desk = agency_create(
                actor=actor,
                name="ベンチ町 ふくしの相談窓口",
                kind=AgencyKind.MUNICIPAL_DEPT,
                is_desk=True,
            )
        manager = User.objects.filter(username="bench-import-manager").first()
        if manager is None:
            manager = user_create(
                actor=actor,
                username="bench-import-manager",
                password=None,
                display_name="ベンチ 管理者",
            )
        if not Membership.objects.filter(user=manager, agency=desk, is_active=True).exists():
            membership_add(actor=actor, user=manager, agency=desk, role=Role.MANAGER)
        run = uuid.uuid4().hex[:6]
        # Seeded by the run: rows of a run are new persons, not "the same as" those of
        # an earlier run on the same database (which the commit would only map).
        rng = random.Random(run)
        data = self._households(rows, run, rng)
        results = []
        for label, payload in (("世帯・世帯員", data),):
            started = time.perf_counter()
            batch = services.batch_preview(
                actor=manager, upload=SimpleUploadedFile(f"bench-{run}.xlsx", payload)
            )
            preview = time.perf_counter() - started
            assert batch.error_rows == 0, batch.rows.exclude(errors=[]).first().errors
            started = time.perf_counter()
            with override_settings(CELERY_TASK_ALWAYS_EAGER=True):
                services.batch_commit(actor=manager, batch=batch)
                # outside a request: run the task now (on_commit already fired in autocommit)
            batch = ImportBatch.objects.get(pk=batch.pk)
            if batch.status != "done":
                services.batch_run(batch_id=batch.pk, token=uuid.uuid4().hex)
                batch = ImportBatch.objects.get(pk=batch.pk)
            commit = time.perf_counter() - started
            results.append((label, batch.total_rows, preview, commit, batch.status))
        for label, total, preview, commit, status in results:
            self.stdout.write(
                f"{label}: {total} rows  preview {preview:.1f} s  commit {commit:.1f} s  ({status})"
            )

    def _households(self, rows, run, rng) -> bytes:
        ledger = BY_CODE["households"]
        book = Workbook()
        sheet = book.active
        sheet.title = ledger.sheet
        sheet.append(ledger.headers)
        household = 0
        line = 0
        while line < rows:
            household += 1
            size = rng.randint(1, 4)
            family = rng.choice(FAMILY)
            for member in range(size):
                if line >= rows:
                    break
                line += 1
                values = {
                    "世帯キー": f"{run}-H{household}",
                    "世帯の呼び名": f"{family}さん世帯{household}",
                    "住所": f"ベンチ町{household}番地",
                    "世帯員キー": f"{run}-P{line}",
                    "姓": "試験",
                    "名": str(line),
                    "せい（ふりがな）": family,
                    "めい（ふりがな）": rng.choice(GIVEN) + "ノ" * (line % 7),
                    "生年月日": f"{rng.randint(1930, 2015)}-{rng.randint(1, 12)}-{rng.randint(1, 28)}",
                    "続柄": "世帯主" if member == 0 else "子",
                }
                sheet.append([values.get(h) for h in ledger.headers])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

"""manage.py bench_pages: time the busiest pages against a seeded city (seed_city).

A benchmark, not a test. The default mode drives the pages in-process with Django's
test client (force_login as a desk counsellor and as a partner agency's staff) and
prints, per page: median and 95th percentile server time, the number of queries, the
time spent in the database (every query timed through connection.execute_wrapper) and
the ratio page time / SQL time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jusou_city \
        python manage.py bench_pages --repeat 100

The second mode starts gunicorn on 127.0.0.1 (loopback only) and drives it with N
concurrent users (threads, urllib, a logged-in session cookie) for S seconds:

    python manage.py bench_pages --concurrent 20 --seconds 60
"""

import datetime as dt
import os
import random
import socket
import statistics as pystats
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from functools import partial

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from benchmarks.clients import BENCH_SETTINGS, get_ok, logged_in_client
from benchmarks.timing import measure, median_ms, p95_ms, write_header
from cases import selectors as case_selectors
from cases import sharing
from cases.choices import Project, RecordKind
from cases.models import Case, SupportRecord
from common import kana
from common.paging import keyset_page
from households.models import Person
from households.selectors import household_search_page
from reports.statistics import monthly_statistics

DESK_USER = "city_desk03"
PARTNER_USER = "city_a01_1"
TIMELINE_RECORDS = 300


class Command(BaseCommand):
    help = "Benchmark the busiest pages against a seeded city (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=100, help="timed requests per page")
        parser.add_argument("--warmup", type=int, default=3)
        parser.add_argument("--stat-repeat", type=int, default=10)
        parser.add_argument("--concurrent", type=int, default=0, help="users for the load mode")
        parser.add_argument("--seconds", type=int, default=60)
        parser.add_argument("--port", type=int, default=0)
        parser.add_argument("--workers", type=int, default=3)
        parser.add_argument(
            "--only", default="", help="time only the pages whose name contains this text"
        )

    def handle(self, *args, **options):
        # No collected static files are needed: templates only build their URLs.
        warnings.filterwarnings("ignore", message="No directory at")
        if connection.vendor != "postgresql":
            raise CommandError("bench_pages runs against PostgreSQL (DATABASE_URL).")
        self.desk = User.objects.filter(username=DESK_USER).first()
        self.partner = User.objects.filter(username=PARTNER_USER).first()
        if self.desk is None or self.partner is None:
            raise CommandError("No city here: run manage.py seed_city first.")
        self.stdout.write(
            f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
            f"{Case.objects.count():,} cases, {Person.objects.count():,} persons, "
            f"{SupportRecord.objects.count():,} support records"
        )
        with override_settings(**BENCH_SETTINGS):
            pages = [p for p in self._pages() if options["only"] in p[0]]
            if options["concurrent"]:
                self._load(pages, options)
            else:
                self._measure(pages, options)

    # ---------------------------------------------------------------- what to request

    def _timeline_case(self) -> Case:
        """A case the desk leads, with TIMELINE_RECORDS support records (topped up once)."""
        visible = sharing.cases_visible_to(self.desk, action="change")
        best = (
            SupportRecord.objects.filter(case__in=visible.values("pk"))
            .values("case")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        case = Case.objects.get(pk=best["case"]) if best else visible.first()
        have = best["n"] if best else 0
        if have < TIMELINE_RECORDS:
            # Benchmark data only: bulk rows without history, as in seed_city.
            start = timezone.now() - dt.timedelta(days=TIMELINE_RECORDS)
            SupportRecord.objects.bulk_create(
                [
                    SupportRecord(
                        case=case,
                        occurred_at=start + dt.timedelta(days=k),
                        kind=RecordKind.PHONE,
                        project=Project.COLLABORATION,
                        agency_id=case.lead_agency_id,
                        staff_id=case.lead_staff_id,
                        minutes=15,
                        narrative="電話で近況を確認した。",
                    )
                    for k in range(TIMELINE_RECORDS - have)
                ],
                batch_size=1000,
            )
        return case

    def _case_list_page_url(self, number: int) -> tuple[str, int]:
        """The URL of the desk's case list page `number` (or its last page in a small
        city) and the page's number: pages are keyset-paged (no ?page=N), so the cursor
        is walked once here, outside the timing."""
        cases = case_selectors.case_list(self.desk, status="all")
        order, size = case_selectors.CASE_LIST_ORDER, case_selectors.CASE_LIST_PAGE
        url = reverse("cases:case_list") + "?status=all"
        page, reached, after = keyset_page(cases, order, per_page=size), 1, ""
        while reached < number and page.has_next:
            after = page.next_params["after"]
            page = keyset_page(cases, order, after=after, per_page=size)
            reached += 1
        return (f"{url}&after={after}" if after else url), reached

    def _search_page_url(self, q: str, number: int) -> tuple[str, int]:
        url = reverse("households:search") + f"?q={q}"
        page, reached, after = household_search_page(self.desk, q), 1, ""
        while reached < number and page.has_next:
            after = page.next_params["after"]
            page = household_search_page(self.desk, q, after=after)
            reached += 1
        # The cursor is URL-safe base64: no escaping (the load mode quotes the URL).
        return (f"{url}&after={after}" if after else url), reached

    def _pages(self):
        phone = (
            Person.objects.filter(registered_by_agency__is_desk=True)
            .exclude(mobile_phone="")
            .order_by("pk")
            .values_list("mobile_phone", flat=True)
            .first()
        )
        case = self._timeline_case()
        phone_prefix = kana.normalise_phone(phone)[:4]  # e.g. 0901: thousands of numbers
        search = reverse("households:search")
        page_50, reached = self._case_list_page_url(50)
        search_2, search_reached = self._search_page_url("やま", 2)
        pages = [
            ("case list, page 1", self.desk, reverse("cases:case_list") + "?status=all"),
            (f"case list, page {reached}", self.desk, page_50),
            ("household search, kana やまだはな", self.desk, search + "?q=やまだはな"),
            ("household search, kana やま", self.desk, search + "?q=やま"),
            (f"household search, kana やま p.{search_reached}", self.desk, search_2),
            ("person search, phone", self.desk, search + f"?q={phone}"),
            ("person search, phone prefix", self.desk, search + f"?q={phone_prefix}"),
            (
                f"case page, {TIMELINE_RECORDS}-entry timeline",
                self.desk,
                reverse("cases:case_detail", args=[case.pk]),
            ),
            # Searches the index-walks above do not serve: kanji names, addresses, the
            # case list's ?q=, and a partner's searches (a partner sees few households).
            ("household search, kanji 山田", self.desk, search + "?q=山田"),
            ("household search, address 桜台2丁目", self.desk, search + "?q=桜台2丁目"),
            ("case list ?q=山田", self.desk, reverse("cases:case_list") + "?q=山田&status=all"),
            ("search (partner), kanji 山田", self.partner, search + "?q=山田"),
            ("search (partner), kana やま", self.partner, search + "?q=やま"),
            ("search (partner), address 桜台", self.partner, search + "?q=桜台2丁目"),
            ("search (partner), phone prefix", self.partner, search + f"?q={phone_prefix}"),
            (
                "case list (partner) ?q=山田",
                self.partner,
                reverse("cases:case_list") + "?q=山田&status=all",
            ),
            ("partner inbox", self.partner, reverse("referrals:inbox")),
            ("meeting list", self.desk, reverse("meetings:meeting_list")),
            ("case list (partner)", self.partner, reverse("cases:case_list") + "?status=all"),
        ]
        return pages

    # ---------------------------------------------------------------- in-process

    def _measure(self, pages, options):
        clients = {}
        for user in (self.desk, self.partner):
            clients[user.pk] = logged_in_client(user)
        header = (
            f"{'page':<36} {'n':>4} {'median':>8} {'p95':>8} {'queries':>7} "
            f"{'SQL med':>8} {'page/SQL':>8}"
        )
        write_header(self.stdout, header)
        for name, user, url in pages:
            client = clients[user.pk]
            for _ in range(options["warmup"]):
                get_ok(client, url)
            times, sql, queries = measure(partial(get_ok, client, url), options["repeat"])
            self._row(name, times, sql, queries)
        self._statistics(options)

    def _row(self, name, times, sql, queries):
        median, p95 = median_ms(times), p95_ms(times)
        sql_median = median_ms(sql)
        ratio = median / sql_median if sql_median else float("inf")
        self.stdout.write(
            f"{name:<36} {len(times):>4} {median:>6.1f}ms {p95:>6.1f}ms "
            f"{pystats.median(queries):>7.0f} {sql_median:>6.1f}ms {ratio:>7.1f}x"
        )

    def _statistics(self, options):
        if not options["stat_repeat"]:
            return
        month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        monthly_statistics(month)  # warm-up
        times, sql, queries = measure(partial(monthly_statistics, month), options["stat_repeat"])
        self._row(f"monthly statistics {month:%Y-%m}", times, sql, queries)

    # ---------------------------------------------------------------- gunicorn load

    def _free_port(self) -> int:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]

    def _session_cookie(self, user) -> str:
        client = logged_in_client(user)
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    def _load(self, pages, options):
        port = options["port"] or self._free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_SECURE_COOKIES": "false",
            "STATIC_MANIFEST": "false",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "PYTHONWARNINGS": "ignore:No directory at",
            "RATELIMIT_SEARCH": "0/m",
        }
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        cmd = [
            gunicorn, "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
            "--workers", str(options["workers"]), "--log-level", "warning",
        ]  # fmt: skip
        cookies = {user.pk: self._session_cookie(user) for user in (self.desk, self.partner)}
        server = subprocess.Popen(cmd, env=env, cwd=settings.BASE_DIR)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=10).read()
                    break
                except (urllib.error.URLError, OSError):
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise CommandError("gunicorn did not start") from None
                    time.sleep(0.3)
            self._drive(base, pages, cookies, options)
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()

    def _drive(self, base, pages, cookies, options):
        users, seconds = options["concurrent"], options["seconds"]
        stop_at = time.monotonic() + seconds
        results: list[tuple[str, float, int]] = []
        lock = threading.Lock()

        def worker(index: int):
            rng = random.Random(index)
            local = []
            while time.monotonic() < stop_at:
                name, user, url = rng.choice(pages)
                request = urllib.request.Request(
                    base + urllib.parse.quote(url, safe="/?=&"),
                    headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookies[user.pk]}"},
                )
                started = time.perf_counter()
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        response.read()
                        status = response.status
                except urllib.error.HTTPError as error:
                    status = error.code
                except (urllib.error.URLError, TimeoutError, ConnectionError):
                    status = 0
                local.append((name, time.perf_counter() - started, status))
            with lock:
                results.extend(local)

        self.stdout.write(
            f"{users} concurrent users for {seconds} s against gunicorn "
            f"({options['workers']} workers) on {base}"
        )
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(users)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 60)
        ok = [r for r in results if r[2] == 200]
        errors = len(results) - len(ok)
        times = [r[1] for r in ok]
        self.stdout.write(
            f"requests {len(results):,} ({errors} not 200), throughput "
            f"{len(ok) / seconds:.1f} req/s, median {median_ms(times):.0f} ms, "
            f"p95 {p95_ms(times):.0f} ms"
            if times
            else f"no successful request ({errors} errors)"
        )
        for name in dict.fromkeys(r[0] for r in results):
            page = [r[1] for r in ok if r[0] == name]
            if page:
                self.stdout.write(
                    f"  {name:<36} {len(page):>5} req  median {median_ms(page):6.0f} "
                    f"ms  p95 {p95_ms(page):6.0f} ms"
                )

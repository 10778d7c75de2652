"""manage.py bench_pages: time the busiest pages against a seeded city (seed_city).

A benchmark, not a test. The default mode drives the pages in-process with Django's
test client (force_login as a desk counsellor and as a partner agency's staff) and
prints, per page: median and 95th percentile server time, the number of queries, the
time spent in the database (every query timed through connection.execute_wrapper) and
the ratio page time / SQL time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jusou_city \
        python manage.py bench_pages --repeat 100

Each row says whether the page meets its target at p95: 150 ms for a page, 50 ms for
a search (a row named "search" or with "?q="); "page/SQL" is given at the median and at
the p95 request.

The second mode starts gunicorn on 127.0.0.1 (loopback only) and drives it with N
concurrent users (threads, urllib, a logged-in session cookie) for S seconds, either
back to back (zero think time) or pausing between requests as people do (--think, the
mean pause in seconds, exponentially distributed):

    python manage.py bench_pages --concurrent 20 --seconds 60
    python manage.py bench_pages --concurrent 200 --think 5 --seconds 120

It also reports the CPU time per request, gunicorn's workers and PostgreSQL's server
processes apart (read from /proc), which is what bounds throughput on a small machine.
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
import unicodedata
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
from meetings import selectors as meeting_selectors
from referrals import selectors as referral_selectors
from reports.statistics import monthly_statistics

DESK_USER = "city_desk03"
PARTNER_USER = "city_a01_1"
TIMELINE_RECORDS = 300
PAGE_TARGET_MS = 150
SEARCH_TARGET_MS = 50
SENT_REFERRALS_PAGE = 50
PAST_MEETINGS_PAGE = 60


def _pad(text: str, width: int) -> str:
    """text left-aligned to `width` terminal columns (a kanji or kana takes two)."""
    columns = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - columns)


def target_for(name: str, url: str) -> int:
    """The p95 a page must meet: a search's is tighter than a page's."""
    return SEARCH_TARGET_MS if ("search" in name or "?q=" in url) else PAGE_TARGET_MS


def _cpu_seconds(pids) -> float:
    """CPU seconds the processes and their ended children have used so far: user +
    system time of each (/proc/<pid>/stat), plus what the children it reaped used. A
    backend that ends during the run (Django closes a connection after CONN_MAX_AGE)
    leaves its time in the postmaster's, a restarted gunicorn worker in the arbiter's:
    counting live processes only lost, or with totals subtracted, negated that time."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile: its parent has its time
        total += sum(int(field) for field in fields[11:15])  # utime stime cutime cstime
    return total / ticks


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            return [int(child) for child in children.read().split()]
    except OSError:
        return []


def _postgres_pids() -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as comm:
                    if comm.read().strip() == "postgres":
                        pids.append(int(entry))
            except OSError:
                continue
    return pids


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
            "--think", type=float, default=0.0, help="mean pause between a user's requests (s)"
        )
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

    def _numbered_page_url(self, url: str, queryset, per_page: int, number: int):
        """url asking for page `number` of a Paginator list (or its last page, in a small
        city), and that page's number."""
        reached = max(1, min(number, -(-queryset.count() // per_page)))
        separator = "&" if "?" in url else "?"
        return f"{url}{separator}page={reached}", reached

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
        sent, sent_page = self._numbered_page_url(
            reverse("referrals:inbox") + "?tab=sent",
            referral_selectors.inbox(self.desk, tab=referral_selectors.SENT),
            30,
            SENT_REFERRALS_PAGE,
        )
        past, past_page = self._numbered_page_url(
            reverse("meetings:meeting_list") + "?when=past",
            meeting_selectors.meeting_list(self.desk, kind="", when="past"),
            30,
            PAST_MEETINGS_PAGE,
        )
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
            (f"sent referrals, page {sent_page}", self.desk, sent),
            ("meeting list, upcoming", self.desk, reverse("meetings:meeting_list")),
            (f"meetings, past, page {past_page}", self.desk, past),
            ("case list (partner)", self.partner, reverse("cases:case_list") + "?status=all"),
            ("home dashboard (desk)", self.desk, reverse("home")),
            ("home dashboard (partner)", self.partner, reverse("home")),
        ]
        return pages

    # ---------------------------------------------------------------- in-process

    def _measure(self, pages, options):
        clients = {}
        for user in (self.desk, self.partner):
            clients[user.pk] = logged_in_client(user)
        header = (
            f"{'page':<36} {'n':>4} {'median':>8} {'p95':>8} {'queries':>7} "
            f"{'SQL med':>8} {'page/SQL':>8} {'at p95':>7} {'target':>9}"
        )
        write_header(self.stdout, header)
        for name, user, url in pages:
            client = clients[user.pk]
            for _ in range(options["warmup"]):
                get_ok(client, url)
            times, sql, queries = measure(partial(get_ok, client, url), options["repeat"])
            self._row(name, times, sql, queries, target_ms=target_for(name, url))
        self._statistics(options)

    def _row(self, name, times, sql, queries, *, target_ms=None):
        median, p95 = median_ms(times), p95_ms(times)
        sql_median = median_ms(sql)
        ratio = median / sql_median if sql_median else float("inf")
        # page / SQL of the request at the 95th percentile (its own SQL time).
        at = sorted(range(len(times)), key=times.__getitem__)[
            min(len(times) - 1, max(0, round(0.95 * len(times) + 0.5) - 1))
        ]
        ratio_p95 = times[at] / sql[at] if sql[at] else float("inf")
        verdict = ""
        if target_ms is not None:
            verdict = f"{'ok' if p95 <= target_ms else 'OVER'} {target_ms}"
        self.stdout.write(
            f"{_pad(name, 36)} {len(times):>4} {median:>6.1f}ms {p95:>6.1f}ms "
            f"{pystats.median(queries):>7.0f} {sql_median:>6.1f}ms {ratio:>7.1f}x "
            f"{ratio_p95:>6.1f}x {verdict:>9}"
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

            def gunicorn_pids():
                return [server.pid, *_children(server.pid)]

            cpu_before = (_cpu_seconds(gunicorn_pids()), _cpu_seconds(_postgres_pids()))
            client_before = time.process_time()
            served = self._drive(base, pages, cookies, options)
            client = time.process_time() - client_before
            cpu_after = (_cpu_seconds(gunicorn_pids()), _cpu_seconds(_postgres_pids()))
            if served:
                web = (cpu_after[0] - cpu_before[0]) / served * 1000
                database = (cpu_after[1] - cpu_before[1]) / served * 1000
                self.stdout.write(
                    f"CPU per request: {web + database:.1f} ms "
                    f"(gunicorn workers {web:.1f} ms, PostgreSQL {database:.1f} ms; "
                    f"{os.cpu_count()} CPUs); the load client, on the same CPUs, "
                    f"{client / served * 1000:.1f} ms"
                )
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

        think = options["think"]

        def worker(index: int):
            rng = random.Random(index)
            local = []
            if think:
                # Users arrive spread over one pause, not all in the first second.
                time.sleep(rng.uniform(0, think))
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
                if think:
                    time.sleep(min(rng.expovariate(1 / think), max(0, stop_at - time.monotonic())))
            with lock:
                results.extend(local)

        pause = f"{think:g} s mean think time" if think else "zero think time"
        self.stdout.write(
            f"{users} concurrent users ({pause}) for {seconds} s against gunicorn "
            f"({options['workers']} workers) on {base}"
        )
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(users)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 60)
        ok = [r for r in results if r[2] == 200]
        errors = len(results) - len(ok)
        # Only requests that ended in time count; a thread still waiting is not joined.
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
                    f"  {_pad(name, 36)} {len(page):>5} req  median {median_ms(page):6.0f} "
                    f"ms  p95 {p95_ms(page):6.0f} ms"
                )
        return len(results)

"""Two web servers and two Celery workers on one PostgreSQL and one Redis behave as one
system, as behind a city's load balancer (README "複数台で動かす").

Two gunicorn processes (ports A and B) and two `celery worker` processes are started
against the very test database pytest-django created (rows are committed:
transactional_db) and the suite's Redis, with production settings. A browser is a
cookie dict sent to whichever server the test names, as a load balancer without sticky
sessions would. The test proves, on the real processes:

- a login made on A (password, then the 2FA code) is a session B accepts, and a logout
  on B ends it on A;
- django-axes counts failed logins across both: 3 on A and 2 on B lock the account;
- the search rate limit is one budget across both (the Redis cache, not per process);
- a report requested on A and B at the same moment is one row, built once although
  both workers were handed a build message for it;
- the daily overdue task run by both workers at once notifies each person once, and
  the daily reminders write each reminder once.

Without PostgreSQL (DATABASE_URL) and Redis (REDIS_URL) it is skipped, except in CI
(the CI variable set), where it fails instead.
"""

import datetime as dt
import hashlib
import http.cookies
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils import timezone

from accounts.choices import Role
from cases.models import Reminder, ReminderPreference
from cases.reminders import cases_daily_reminders_task
from referrals import tasks as referral_tasks
from referrals.models import Notification, Referral
from reports import tasks as report_tasks
from reports.choices import ReportStatus
from reports.models import MonthlyReport
from tests.auth_helpers import current_code, totp_device_for
from tests.factories import staff
from tests.factories_referrals import ReferralFactory, consent_for, make_case
from tests.reports.conftest import OPENED
from tests.reports.test_worker import Workers, _database_url, redis_client, wait_for  # noqa: F401

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
SEARCH_RATE = 5  # searches per 10 minutes, for both servers together
BOOT_TIMEOUT = 120


def production_hash(password: str) -> str:
    """The servers run production settings (PBKDF2), not the suite's MD5 hasher; a low
    iteration count keeps the logins quick (Django upgrades it on first login)."""
    hasher = PBKDF2PasswordHasher()
    return hasher.encode(password, hasher.salt(), iterations=1000)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


class Browser:
    """Cookies kept here and sent to whichever server a request names."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, base: str, path: str, data: dict | None = None):
        body = None
        if data is not None:
            data = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **data}
            body = urllib.parse.urlencode(data).encode()
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        request = urllib.request.Request(
            base + path, data=body, headers={"Cookie": cookie, "Referer": base + path}
        )
        try:
            response = _opener.open(request, timeout=60)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = http.cookies.SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        text = response.read().decode("utf-8", "replace")
        return response.status, response.headers.get("Location", ""), text

    def get(self, base, path):
        return self.request(base, path)

    def post(self, base, path, data):
        if "csrftoken" not in self.cookies:
            self.get(base, "/accounts/login/")
        return self.request(base, path, data)


class Servers:
    """gunicorn on two ports, production settings, the test database."""

    def __init__(self, env: dict, log_dir: Path):
        self.env = env
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen] = []
        self.bases: list[str] = []

    def start(self, name: str) -> str:
        port = free_port()
        gunicorn = Path(sys.executable).with_name("gunicorn")
        log = open(self.log_dir / f"web-{name}.log", "wb")  # noqa: SIM115 (closed in stop)
        process = subprocess.Popen(
            [
                str(gunicorn),
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--threads",
                "2",
                "--timeout",
                "60",
                "--graceful-timeout",
                "2",
                "--log-level",
                "warning",
            ],  # fmt: skip
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        process.log = log
        self.processes.append(process)
        base = f"http://127.0.0.1:{port}"
        self.bases.append(base)
        return base

    def wait_healthy(self):
        deadline = time.monotonic() + BOOT_TIMEOUT
        for base, process in zip(self.bases, self.processes, strict=True):
            while True:
                try:
                    with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
                        if response.status == 200:
                            break
                except (urllib.error.URLError, OSError):
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn at {base} did not start\n{self.logs()}", pytrace=False)
                time.sleep(0.3)

    def stop(self):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            process.log.close()

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
            for p in self.log_dir.glob("web-*.log")
        )


@pytest.fixture
def system(redis_client, transactional_db, settings, tmp_path):  # noqa: F811
    queue = f"two-machines-{uuid.uuid4().hex[:12]}"
    media = tmp_path / "media"
    media.mkdir()
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    common = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "MEDIA_ROOT": str(media),
        "DESK_OPENED_ON": OPENED,
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
    }
    web_env = {
        **os.environ,
        **common,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "STATIC_MANIFEST": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONWARNINGS": "ignore:No directory at",
        "RATELIMIT_SEARCH": f"{SEARCH_RATE}/10m",
    }
    servers = Servers(web_env, log_dir)
    workers = Workers(queue, media, log_dir)
    workers.env.update(common)
    # Each build step pauses, so the second build message arrives mid-build.
    workers.env["REPORTS_TEST_DELAY_SECONDS"] = "0.3"
    settings.REPORTS_CELERY_QUEUE = queue  # what the test process itself sends
    app = report_tasks.reports_build_monthly_task.app
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        a, b = servers.start("a"), servers.start("b")
        workers.start("one")
        workers.start("two")
        servers.wait_healthy()
        yield {"a": a, "b": b, "queue": queue, "workers": workers, "servers": servers}
    finally:
        servers.stop()
        for process in workers.processes:
            workers.kill(process)
        app.conf.task_always_eager = eager
        redis_client.delete(queue, f"_kombu.binding.{queue}")


def login(browser: Browser, base: str, user) -> None:
    status, location, _text = browser.post(
        base, "/accounts/login/", {"username": user.username, "password": PASSWORD}
    )
    assert status == 302 and "/accounts/2fa/" in location, (status, location)
    code = current_code(totp_device_for(user))
    status, location, text = browser.post(base, "/accounts/2fa/", {"code": code})
    assert status == 302, (status, text[:2000])


def persona(agency, role, username):
    user = staff(agency, role, username=username)
    user.password = production_hash(PASSWORD)
    user.save(update_fields=["password"])
    totp_device_for(user)
    return user


def test_two_web_servers_and_two_workers_act_as_one(
    system,
    desk_agency,
    partner_agency,
    redis_client,  # noqa: F811
    tmp_path,
):
    a, b = system["a"], system["b"]
    desk = persona(desk_agency, Role.COUNSELOR, "two-desk")
    manager = persona(desk_agency, Role.MANAGER, "two-manager")
    locked = persona(desk_agency, Role.COUNSELOR, "two-locked")

    # Earlier tests of the run may have spent this minute's login budget of 127.0.0.1 in
    # the same Redis: start this test with a fresh one.
    for key in redis_client.scan_iter("*ratelimit:login:*"):
        redis_client.delete(key)

    # -- a session made on A is one B accepts
    browser = Browser()
    login(browser, a, desk)
    status, _location, text = browser.get(b, "/")
    assert status == 200 and desk.display_name in text

    # -- one search budget across both servers (the Redis cache)
    period = 600
    left = period - time.time() % period
    if left < 30:  # do not straddle the fixed window's end
        time.sleep(left + 1)
    who = hashlib.sha256(f"user:{desk.pk}".encode()).hexdigest()[:32]
    for key in redis_client.scan_iter(f"*ratelimit:search:*{who}*"):
        redis_client.delete(key)
    statuses = [
        browser.get(base, "/households/?q=%E5%B1%B1%E7%94%B0")[0] for base in (a, b, a, b, a, b, a)
    ]
    assert statuses == [200] * SEARCH_RATE + [429, 429], statuses

    # -- a logout on B ends the session on A too (the old cookie, replayed, is refused)
    stale = Browser()
    stale.cookies = dict(browser.cookies)
    status, _location, _text = browser.post(b, "/accounts/logout/", {})
    assert status == 302 and "sessionid" not in browser.cookies
    status, location, _text = stale.get(a, "/")
    assert status == 302 and "/accounts/login/" in location

    # -- the login lockout counts failures on both servers
    intruder = Browser()
    answers = [
        intruder.post(base, "/accounts/login/", {"username": locked.username, "password": "x"})
        for base in (a, a, a, b, b)
    ]
    for status, _location, text in answers[:4]:
        assert status == 200 and "ユーザー名またはパスワードが違います。" in text
    lockout = str(settings.AXES_COOLOFF_MESSAGE)[:20]
    assert answers[4][0] == 429 and lockout in answers[4][2]  # the fifth, on B, locks
    assert sum(row.failures_since_start for row in AccessAttempt.objects.all()) == 5
    for base in (a, b):  # now even the right password is refused, on either server
        status, _location, text = intruder.post(
            base, "/accounts/login/", {"username": locked.username, "password": PASSWORD}
        )
        assert status == 429 and lockout in text

    # -- a report asked for on A and B at the same moment: one row, built once
    browser = Browser()
    login(browser, a, manager)
    browser.get(a, "/reports/")
    answers = {}

    def ask(base):
        answers[base] = browser.post(
            base, "/reports/request/", {"month": "2024-05", "scope": "desk"}
        )

    threads = [threading.Thread(target=ask, args=(base,)) for base in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = [answers[base][0] for base in (a, b)]
    assert statuses == [302, 302], system["servers"].logs()
    report = MonthlyReport.objects.get()  # one row, though asked for twice
    assert answers[a][1] == answers[b][1]  # both pages lead to it
    workers = system["workers"]
    wait_for(lambda: MonthlyReport.objects.get().status == ReportStatus.RUNNING, "a build", workers)
    # A second build message for the same report (a redelivery, a requeue): the other
    # worker takes it while the first is building, and must not build it again.
    report_tasks.reports_build_monthly_task.apply_async(args=[report.pk], queue=system["queue"])
    wait_for(
        lambda: MonthlyReport.objects.get().status in (ReportStatus.DONE, ReportStatus.FAILED),
        "the report",
        workers,
    )
    wait_for(
        lambda: all(
            "reports_build_monthly_task" in p.read_text(errors="replace")
            and "succeeded" in p.read_text(errors="replace")
            for p in (workers.log_dir / "one.log", workers.log_dir / "two.log")
        ),
        "both workers to have taken a build message",
        workers,
        timeout=60,
    )
    report = MonthlyReport.objects.get()
    assert report.status == ReportStatus.DONE, report.error
    assert report.attempts == 1
    assert report.history.filter(status=ReportStatus.RUNNING).count() == 1
    media = Path(workers.env["MEDIA_ROOT"]) / "reports"
    assert sorted(p.suffix for p in media.rglob("*") if p.is_file()) == [".pdf", ".xlsx"]

    # -- both workers run the daily tasks at once: each notice and reminder once
    case, principal, _son = make_case(desk=desk, desk_agency=desk_agency)
    partners = [staff(partner_agency, Role.COUNSELOR, username=f"two-partner{k}") for k in (1, 2)]
    referral = ReferralFactory(
        case=case,
        actor=desk,
        to_agency=partner_agency,
        consent=consent_for(principal, [partner_agency], actor=desk),
    )
    Referral.objects.filter(pk=referral.pk).update(
        answer_due_on=timezone.localdate() - dt.timedelta(days=3)
    )
    Notification.objects.all().delete()
    desk.email = "two-desk@example.invalid"
    desk.save(update_fields=["email"])
    ReminderPreference.objects.update_or_create(user=desk, defaults={"email_digest": True})
    for _ in range(2):
        referral_tasks.referrals_mark_overdue_task.apply_async(queue=system["queue"])
        cases_daily_reminders_task.apply_async(queue=system["queue"])
    wait_for(
        lambda: Referral.objects.get(pk=referral.pk).overdue_since is not None,
        "the overdue mark",
        workers,
    )

    def settled():
        logs = "".join(
            p.read_text(errors="replace")
            for p in (workers.log_dir / "one.log", workers.log_dir / "two.log")
        )
        done = re.findall(
            r"Task cases\.reminders\.cases_daily_reminders_task\[.*\] succeeded", logs
        )
        overdue = re.findall(
            r"Task referrals\.tasks\.referrals_mark_overdue_task\[.*\] succeeded", logs
        )
        return len(done) == 2 and len(overdue) == 2

    wait_for(settled, "both runs of both daily tasks", workers, timeout=60)
    notified = sorted(
        Notification.objects.filter(referral=referral).values_list("recipient__username", flat=True)
    )
    assert notified == sorted([desk.username, *(p.username for p in partners)])
    reminders = Reminder.objects.filter(recipient=desk)
    assert reminders.exists()
    assert reminders.count() == len(set(reminders.values_list("kind", "subject", "day")))
    assert ReminderPreference.objects.get(user=desk).digest_sent_on == timezone.localdate()
    # The console mail backend writes each mail into its worker's log: one digest.
    mails = sum(
        p.read_text(errors="replace").count("\nTo: two-desk@example.invalid")
        for p in (workers.log_dir / "one.log", workers.log_dir / "two.log")
    )
    assert mails == 1

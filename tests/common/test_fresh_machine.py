"""A fresh machine: PDFs never print boxes, and the demo opens without a phone (issue 14).

- Without a Japanese font no PDF is made: the page says so in Japanese (503), the log
  names the fix, a monthly report fails with the same message.
- The demo's own statistics PDF embeds a CJK font and WeasyPrint renders no .notdef.
- Every README persona logs in over HTTP using only the README and the console output.
- The demo's 2FA shortcut cannot run in production.
"""

import datetime as dt
import http.cookiejar
import importlib
import logging
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from common import pdf as common_pdf
from reports import services as report_services
from reports.choices import ReportStatus
from reports.documents import report_pdf
from reports.statistics import monthly_statistics
from tests.system_tools import pdffonts

BASE = Path(django_settings.BASE_DIR)
FONT_MESSAGE = "日本語フォントがサーバーにないため、PDF を作成できません。"


@pytest.fixture
def no_japanese_font(monkeypatch):
    monkeypatch.setattr(common_pdf, "japanese_font_available", lambda: False)


# ---------------------------------------------------------------- fonts


def _fonts_seen_with(fontconfig_file: str | None) -> str:
    env = dict(os.environ)
    if fontconfig_file:
        env["FONTCONFIG_FILE"] = fontconfig_file
    code = "from common.pdf import _count_fonts_for; print(_count_fonts_for('ja'))"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=BASE, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_fontconfig_with_no_fonts_finds_no_japanese_font(tmp_path):
    """The check asks fontconfig itself: a configuration with no font directory (as on a
    machine without fonts-noto-cjk) lists none for Japanese; this machine's lists some."""
    empty = tmp_path / "fonts.conf"
    empty.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">'
        f"<fontconfig><cachedir>{tmp_path}/cache</cachedir></fontconfig>"
    )
    assert _fonts_seen_with(str(empty)) == "0"
    assert int(_fonts_seen_with(None)) > 0, "scripts/setup-system installs fonts-noto-cjk"


@pytest.mark.django_db
def test_a_pdf_page_without_japanese_font_says_why_in_japanese(
    client_for, municipal, no_japanese_font, caplog
):
    with caplog.at_level(logging.ERROR, logger="common.pdf"):
        response = client_for(municipal).get(reverse("intake:sheet_blank_pdf"))
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert FONT_MESSAGE in body and "fonts-noto-cjk" in body
    assert any("fonts-noto-cjk" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_a_report_without_japanese_font_fails_with_that_message(
    manager, no_japanese_font, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = report_services.report_request(actor=manager, month=dt.date(2024, 5, 1))
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert FONT_MESSAGE in report.error
    assert not report.pdf


@pytest.mark.django_db
def test_the_demo_statistics_pdf_embeds_a_cjk_font_and_draws_no_box(caplog):
    call_command("seed_demo", stdout=StringIO())
    month = dt.date.today().replace(day=1)
    with caplog.at_level(logging.DEBUG, logger="weasyprint"):
        data = report_pdf(monthly_statistics(month))
    assert not [r for r in caplog.records if "notdef" in r.getMessage()]
    rows = [line.split() for line in pdffonts(data).splitlines()[2:] if line.strip()]
    embedded_cjk = [r[0] for r in rows if "CJK" in r[0] and r[-5] == "yes"]
    assert embedded_cjk, pdffonts(data)


# ---------------------------------------------------------------- the demo's 2FA


def _readme_personas() -> list[str]:
    readme = (BASE / "README.md").read_text()
    first = readme.split("## はじめに", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `(\w+)` \|", first, flags=re.M)


class _Browser:
    """A person with a browser: cookies, and the CSRF token the form carries."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str):
        with self.opener.open(self.base + path) as response:
            return response.geturl(), response.read().decode()

    def post_form(self, path: str, page: str, fields: dict):
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
        request = urllib.request.Request(
            self.base + path, data=data, headers={"Referer": self.base + path}
        )
        with self.opener.open(request) as response:
            return response.geturl(), response.read().decode()


@pytest.mark.django_db(transaction=True)
def test_every_readme_persona_logs_in_over_http_without_a_phone(live_server, settings):
    # A live-server test runs on a flushed database: the master lists the migrations
    # seed (相談内容 categories, アセスメント issues), which the demo needs, come back first.
    for migration in (
        "intake.migrations.0002_seed_categories",
        "cases.migrations.0002_seed_assessment_issues",
    ):
        importlib.import_module(migration).seed(apps, None)
    settings.DEMO_MODE = True
    console = StringIO()
    call_command("seed_demo", stdout=console)
    output = console.getvalue()
    personas = _readme_personas()
    assert set(personas) == {"soudan", "suishin", "kanri", "houkatsu", "shakyo", "zeimu", "admin"}
    base = live_server.url
    for username in personas:
        # The console lists each persona with its password.
        password = re.search(rf"^\s+{username}\s+(\S+)\s", output, flags=re.M).group(1)
        browser = _Browser(base)
        _url, page = browser.get("/accounts/login/")
        url, page = browser.post_form(
            "/accounts/login/", page, {"username": username, "password": password}
        )
        assert "/accounts/2fa/" in url, (username, url)
        path = urllib.parse.urlsplit(url).path + "?" + urllib.parse.urlsplit(url).query
        for _attempt in range(2):
            # The two-factor page of the demo shows the current code ...
            shown = re.search(r"<strong>(\d{6})</strong>", page).group(1)
            # ... and so does `make demo-code USER=…`.
            printed = StringIO()
            call_command("demo_code", username, stdout=printed)
            if printed.getvalue().strip() == shown:
                break
            # The code's 30-second step turned between the page and the command (a slow
            # machine): read both again; a step cannot turn twice in that time.
            url, page = browser.get(path)
        assert printed.getvalue().strip() == shown
        url, page = browser.post_form(path, page, {"code": shown})
        assert urllib.parse.urlsplit(url).path == "/", (username, url)
        assert "ログアウト" in page


@pytest.mark.django_db
def test_without_demo_mode_no_code_is_shown_or_printed(client, settings):
    call_command("seed_demo", stdout=StringIO())
    assert settings.DEMO_MODE is False
    with pytest.raises(CommandError, match="デモ環境"):
        call_command("demo_code", "soudan", stdout=StringIO())
    from accounts.models import User
    from tests.auth_helpers import totp_device_for

    user = User.objects.get(username="soudan")
    totp_device_for(user)
    client.force_login(user)
    page = client.get(reverse("accounts:otp_verify")).content.decode()
    assert "デモ環境です" not in page and "2段階認証" in page


def _manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
    )


def test_production_settings_refuse_the_demo_shortcut():
    production = {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "x" * 64, "DJANGO_DEMO": "true"}
    refused = _manage("check", **production)
    assert refused.returncode != 0
    assert "DJANGO_DEMO=true is for `make demo` only" in refused.stderr
    # Even a deploy check of a debug server refuses it.
    deploy = _manage("check", "--deploy", DJANGO_DEBUG="true", DJANGO_DEMO="true")
    assert deploy.returncode != 0 and "accounts.E001" in deploy.stderr
    assert "accounts.E001" not in _manage("check", "--deploy", DJANGO_DEBUG="true").stderr

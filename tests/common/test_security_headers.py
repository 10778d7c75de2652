"""Response headers (issue 8, item 2): a strict CSP, no inline code in web templates,
HSTS and friends, no caching of pages with personal data, secure cookies in production."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_every_page_carries_a_strict_csp(client_for, desk, desk_agency):
    household = HouseholdFactory(registered_by_agency=desk_agency, actor=desk)
    client = client_for(desk)
    for url in [
        reverse("home"),
        reverse("households:detail", args=[household.pk]),
        reverse("accounts:login"),
    ]:
        response = client.get(url, follow=True)
        csp = _csp(response)
        assert csp["default-src"] == ["'self'"]
        assert csp["script-src"] == ["'self'"]
        assert csp["style-src"] == ["'self'"]
        assert csp["object-src"] == ["'none'"]
        assert csp["base-uri"] == ["'none'"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert "unsafe-eval" not in response["Content-Security-Policy"]


def test_login_page_is_csp_protected_anonymously(client):
    response = client.get(reverse("accounts:login"))
    assert _csp(response)["script-src"] == ["'self'"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=|javascript:|\shx-on[:-]", re.IGNORECASE)


def _web_templates():
    for path in sorted((ROOT / "templates").rglob("*.html")):
        if "pdf" in path.relative_to(ROOT / "templates").parts:
            continue  # WeasyPrint documents, never served as web pages
        yield path


def test_web_templates_have_no_inline_scripts_styles_or_handlers():
    offenders = []
    for path in _web_templates():
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, INLINE_STYLE, INLINE_HANDLER):
            for match in pattern.finditer(text):
                offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)!r}")
    assert offenders == []
    assert len(list(_web_templates())) > 50


def test_rendered_pages_have_no_inline_scripts(client_for, desk, desk_agency):
    household = HouseholdFactory(registered_by_agency=desk_agency, actor=desk)
    client = client_for(desk)
    for url in [
        reverse("home"),
        reverse("households:detail", args=[household.pk]),
        reverse("households:search"),
    ]:
        html = client.get(url).content.decode()
        assert not INLINE_SCRIPT.search(html), url
        assert not INLINE_STYLE.search(html), url
        # htmx must not inject its indicator <style> element (blocked by the CSP).
        config = re.search(r'name="htmx-config" content=\'([^\']+)\'', html)
        assert config and json.loads(config.group(1))["includeIndicatorStyles"] is False


def test_security_headers_on_pages_with_personal_data(client_for, desk, desk_agency):
    household = HouseholdFactory(registered_by_agency=desk_agency, actor=desk)
    response = client_for(desk).get(reverse("households:detail", args=[household.pk]))
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_SSL_REDIRECT=False)
def test_hsts_is_sent_over_https():
    response = Client().get(reverse("accounts:login"), secure=True)
    assert response["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")


def test_production_settings_are_strict():
    """The settings module read as production reads it (DEBUG off, nothing else set)."""
    code = (
        "from django.conf import settings as s; import json; print(json.dumps({"
        "'hsts': s.SECURE_HSTS_SECONDS, 'ssl': s.SECURE_SSL_REDIRECT,"
        "'session_secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': s.CSRF_COOKIE_SECURE,"
        "'session_httponly': s.SESSION_COOKIE_HTTPONLY, 'csrf_httponly': s.CSRF_COOKIE_HTTPONLY,"
        "'idle': s.SESSION_COOKIE_AGE, 'refresh': s.SESSION_REFRESH_SECONDS}))"
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "SESSION_")) and k != "DATABASE_URL"
    }
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_SECRET_KEY": "x" * 64}
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    )
    values = json.loads(out.stdout.strip().splitlines()[-1])
    assert values == {
        "hsts": 31536000,
        "ssl": True,
        "session_secure": True,
        "csrf_secure": True,
        "session_httponly": True,
        "csrf_httponly": True,
        "idle": 30 * 60,
        "refresh": 60,  # the idle deadline slides at most once a minute
    }

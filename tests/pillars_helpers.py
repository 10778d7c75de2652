"""Helpers shared by the outreach, participation and community view tests."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from tests.auth_helpers import login_verified

PERSONAS = [
    "desk",
    "coordinator",
    "manager",
    "partner",
    "outsider",
    "municipal",
    "admin_user",
    "anonymous",
]


def as_personas(request, expected: dict, send):
    """Run send(client) as every persona (anonymous included) and check each status:
    expected maps persona -> status; anonymous is always sent to the login page.
    Yields (persona, response) for further checks on the pages that answered 200."""
    from django.test import Client

    for persona in PERSONAS:
        client = client_as(request, Client(), persona)
        response = send(client)
        if persona == "anonymous":
            assert_login_redirect(response)
            continue
        assert response.status_code == expected[persona], (persona, response.status_code)
        yield persona, response


def client_as(request, client, persona):
    """The test client logged in as the named persona (anonymous: not logged in)."""
    if persona != "anonymous":
        login_verified(client, request.getfixturevalue(persona))
    return client


def call(client, method, url, data=None):
    if method == "post":
        return client.post(url, data or {})
    return client.get(url)


def assert_status(response, expected, url):
    if expected == 302:
        assert response.status_code == 302, (url, response.status_code)
    else:
        assert response.status_code == expected, (url, response.status_code)


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def field_block(html: str, name: str) -> str:
    """The <div class="field"> rendered by _field.html for the named input."""
    for chunk in html.split('<div class="field')[1:]:
        if f'name="{name}"' in chunk.split("</div>")[0] or f'id="id_{name}' in chunk:
            return chunk
    raise AssertionError(f"no field {name!r} in the page")


def assert_error_beside(response, name: str, message: str):
    assert response.status_code == 200
    block = field_block(response.content.decode(), name)
    assert block.startswith(" has-error"), block[:300]
    assert f'<p class="error" role="alert">{escape(message)}</p>' in block, block[:600]


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)

"""The named cast (STYLE 6). Every test speaks of these people:

- desk: 相談員 at the municipal 福祉の相談窓口 (the desk agency)
- coordinator: 相談支援包括化推進員 at the desk
- manager: 管理者 (課長) at the desk
- partner: 機関職員 of 地域包括支援センター, the agency cases get shared with
- outsider: 機関職員 of an unrelated agency (社会福祉協議会), shared nothing
- municipal: 庁内職員 of 税務課, who may only send つなぐシート
- admin: system administrator (is_staff, superuser) with no membership
"""

import importlib
import sys

import pytest

from accounts.choices import AgencyKind, Role
from tests.auth_helpers import login_verified
from tests.factories import AgencyFactory, UserFactory, staff


@pytest.fixture(autouse=True)
def _no_session_refresh_midway(settings):
    """The session row is rewritten for activity once a minute (SESSION_REFRESH_SECONDS);
    a test that counts a page's queries must not see that write because the machine was
    slow. tests/accounts/test_sessions.py sets the real minute back."""
    settings.SESSION_REFRESH_SECONDS = 24 * 60 * 60


@pytest.fixture(autouse=True)
def _attachments_in_tmp(settings, tmp_path_factory):
    """Uploaded attachments go to a directory of the test's own (common/attachments.py)."""
    root = tmp_path_factory.mktemp("attachments")
    settings.STORAGES = settings.STORAGES | {
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        }
    }
    return root


@pytest.fixture
def attachment_media(_attachments_in_tmp):
    """The root of this test's attachments storage, to look at the files stored."""
    return _attachments_in_tmp


@pytest.fixture
def desk_agency(db):
    return AgencyFactory(
        name="架空町 ふくしの相談窓口", kind=AgencyKind.MUNICIPAL_DEPT, is_desk=True
    )


@pytest.fixture
def partner_agency(db):
    return AgencyFactory(
        name="架空町地域包括支援センター", kind=AgencyKind.COMMUNITY_GENERAL_SUPPORT
    )


@pytest.fixture
def outsider_agency(db):
    return AgencyFactory(name="架空町社会福祉協議会", kind=AgencyKind.SOCIAL_WELFARE_COUNCIL)


@pytest.fixture
def municipal_agency(db):
    return AgencyFactory(name="架空町役場 税務課", kind=AgencyKind.MUNICIPAL_DEPT)


@pytest.fixture
def desk(desk_agency):
    return staff(desk_agency, Role.COUNSELOR, username="desk", display_name="窓口 花子")


@pytest.fixture
def coordinator(desk_agency):
    return staff(desk_agency, Role.COORDINATOR, username="coordinator", display_name="推進 一郎")


@pytest.fixture
def manager(desk_agency):
    return staff(desk_agency, Role.MANAGER, username="manager", display_name="課長 次郎")


@pytest.fixture
def partner(partner_agency):
    return staff(partner_agency, Role.PARTNER_STAFF, username="partner", display_name="包括 三郎")


@pytest.fixture
def outsider(outsider_agency):
    return staff(outsider_agency, Role.PARTNER_STAFF, username="outsider", display_name="社協 四郎")


@pytest.fixture
def municipal(municipal_agency):
    return staff(
        municipal_agency, Role.MUNICIPAL_STAFF, username="municipal", display_name="税務 五郎"
    )


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True, display_name="管理 者")


@pytest.fixture
def client_for(client):
    """client_for(user) -> the test client logged in as user, past two-factor
    authentication and with a freshly entered password (tests/auth_helpers.py)."""

    def _login(user):
        return login_verified(client, user)

    return _login


# Conftests that keep a summary in module state: axe-core's figures per page, the policy
# machine's tally, the fuzz test's counts. Each has summary_state() (its state, plain
# data), merge_summary_state(state) and write_summary(terminalreporter). Under pytest-xdist
# the tests run in worker processes: each sends its state to the controller when it
# ends, and the controller, which runs no test, merges them and writes the summaries.
SUMMARY_CONFTESTS = ("tests.browser.conftest", "tests.policy.conftest", "tests.common.conftest")


def pytest_sessionfinish(session):
    output = getattr(session.config, "workeroutput", None)  # set in an xdist worker only
    if output is None:
        return
    states = {
        name: sys.modules[name].summary_state() for name in SUMMARY_CONFTESTS if name in sys.modules
    }
    output["summaries"] = {name: state for name, state in states.items() if state}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """An xdist worker has finished: merge what its summaries counted."""
    for name, state in getattr(node, "workeroutput", {}).get("summaries", {}).items():
        importlib.import_module(name).merge_summary_state(state)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """The xdist controller writes the workers' summaries (a conftest the controller
    loaded itself, as with `pytest -n 2 tests/browser`, writes its own), then every
    skipped test is named at the end of the run, where nobody can miss it."""
    if config.pluginmanager.hasplugin("dsession"):  # the xdist controller
        for name in SUMMARY_CONFTESTS:
            module = sys.modules.get(name)
            if module is not None and not config.pluginmanager.is_registered(module):
                module.write_summary(terminalreporter)
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    terminalreporter.section(f"{len(skipped)} TEST(S) SKIPPED — NOT RUN", sep="!", red=True)
    for report in skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        terminalreporter.line(f"SKIPPED {report.nodeid}: {reason}", red=True, bold=True)

"""Fixtures the attachment tests share, and the fuzz test's summary: how many examples
each form's URL accepted and refused."""

import sys

import pytest

# What xdist workers counted (tests/conftest.py), on the controller.
MERGED: dict = {"stats": {}}


def summary_state() -> dict:
    """The fuzz test's counts in this process, as plain data."""
    module = sys.modules.get("tests.common.test_fuzz_forms")
    stats = getattr(module, "STATS", None)
    if not stats:
        return {}
    return {
        "stats": {name: dict(row) for name, row in stats.items()},
        "examples_per_form": module.EXAMPLES_PER_FORM,
        "examples_per_button": module.EXAMPLES_PER_BUTTON,
    }


def merge_summary_state(state: dict) -> None:
    for name, row in state["stats"].items():
        merged = MERGED["stats"].setdefault(name, {"accepted": 0, "refused": 0})
        for key, count in row.items():
            merged[key] += count
    MERGED["examples_per_form"] = state["examples_per_form"]
    MERGED["examples_per_button"] = state["examples_per_button"]


def pytest_terminal_summary(terminalreporter):
    write_summary(terminalreporter)


def write_summary(terminalreporter) -> None:
    state = summary_state() or MERGED
    stats = state["stats"]
    if not stats:
        return
    accepted = sum(s["accepted"] for s in stats.values())
    refused = sum(s["refused"] for s in stats.values())
    never = sorted(name for name, s in stats.items() if not s["accepted"])
    terminalreporter.write_sep("-", "hostile input (tests/common/test_fuzz_forms.py)")
    terminalreporter.write_line(
        f"{len(stats)} POST URLs fuzzed, {state['examples_per_form']} examples per form "
        f"({state['examples_per_button']} for buttons) plus fixed ones: "
        f"{accepted} accepted, {refused} refused"
    )
    if never:
        terminalreporter.write_line(f"never accepted a fuzzed example: {', '.join(never)}")


@pytest.fixture
def attachment_world(desk, coordinator, desk_agency, partner, partner_agency):
    """A desk household with a consent shared with the partner agency, a consultation,
    a case shared with the partner (RECORDS), and a 支援会議 with the partner a member
    who has acknowledged 守秘義務 (tests/common/test_idor.py build_world), with no
    attachments yet."""
    from tests.common.test_attachments import MODELS
    from tests.common.test_idor import build_world

    w = build_world(
        agency=desk_agency,
        lead=desk,
        coord=coordinator,
        third_agency=partner_agency,
        third_user=partner,
        tag="田中",
    )
    # build_world seeds one attachment per owner for the meta-tests; these tests count
    # their own from none.
    for model in MODELS:
        for attachment in model.objects.all():
            attachment.file.delete(save=False)
            attachment.delete()
    return w

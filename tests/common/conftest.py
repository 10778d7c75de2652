"""The fuzz test's summary: how many examples each form's URL accepted and refused."""

import sys

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

"""The fuzz test's summary: how many examples each form's URL accepted and refused."""

import sys


def pytest_terminal_summary(terminalreporter):
    module = sys.modules.get("tests.common.test_fuzz_forms")
    stats = getattr(module, "STATS", None)
    if not stats:
        return
    accepted = sum(s["accepted"] for s in stats.values())
    refused = sum(s["refused"] for s in stats.values())
    never = sorted(name for name, s in stats.items() if not s["accepted"])
    terminalreporter.write_sep("-", "hostile input (tests/common/test_fuzz_forms.py)")
    terminalreporter.write_line(
        f"{len(stats)} POST URLs fuzzed, {module.EXAMPLES_PER_FORM} examples per form "
        f"({module.EXAMPLES_PER_BUTTON} for buttons) plus fixed ones: "
        f"{accepted} accepted, {refused} refused"
    )
    if never:
        terminalreporter.write_line(f"never accepted a fuzzed example: {', '.join(never)}")

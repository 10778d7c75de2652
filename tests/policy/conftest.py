"""The policy machine's marker and its summary: steps run, divergences found, and each
divergence's minimal sequence (tests/policy/test_policy_machine.py)."""

from tests.policy.harness import TALLY


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "policy: the sharing-policy state machine against its oracle (tests/policy)"
    )


def pytest_terminal_summary(terminalreporter):
    if not TALLY.ran:
        return
    terminalreporter.write_sep("-", "sharing policy machine (tests/policy)")
    terminalreporter.write_line(
        f"steps run: {TALLY.steps}, divergences: {len(TALLY.found)} "
        f"({TALLY.examples} examples, {TALLY.pages} pages requested, {TALLY.seconds:.0f} s)"
    )
    rules = sorted({rule for rule, _outcome in TALLY.rules})
    terminalreporter.write_line(
        "steps by rule (done/refused): "
        + ", ".join(f"{r} {TALLY.rules[(r, 'done')]}/{TALLY.rules[(r, 'refused')]}" for r in rules)
    )
    for n, (sig, text) in enumerate(sorted(TALLY.found.items(), key=str), 1):
        terminalreporter.write_line("")
        terminalreporter.write_line(f"[{n}] {' / '.join(sig)}")
        terminalreporter.write_line(text)

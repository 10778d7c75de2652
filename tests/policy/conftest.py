"""The policy machine's marker and its summary: steps run, divergences found, and each
divergence's minimal sequence (tests/policy/test_policy_machine.py)."""

from tests.policy.harness import TALLY


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "policy: the sharing-policy state machine against its oracle (tests/policy)"
    )


def summary_state() -> dict:
    """TALLY as plain data, sent by an xdist worker (tests/conftest.py)."""
    if not (TALLY.ran or TALLY.steps or TALLY.pages):
        return {}
    return {
        "ran": TALLY.ran,
        "steps": TALLY.steps,
        "examples": TALLY.examples,
        "pages": TALLY.pages,
        "seconds": TALLY.seconds,
        "found": [[list(sig), text] for sig, text in TALLY.found.items()],
        "rules": [[list(key), count] for key, count in TALLY.rules.items()],
    }


def merge_summary_state(state: dict) -> None:
    TALLY.ran = TALLY.ran or state["ran"]
    TALLY.steps += state["steps"]
    TALLY.examples += state["examples"]
    TALLY.pages += state["pages"]
    TALLY.seconds += state["seconds"]
    for sig, text in state["found"]:
        TALLY.found.setdefault(tuple(sig), text)
    for key, count in state["rules"]:
        TALLY.rules[tuple(key)] += count


def pytest_terminal_summary(terminalreporter):
    write_summary(terminalreporter)


def write_summary(terminalreporter) -> None:
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

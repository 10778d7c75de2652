"""Run pip-audit over the locked requirements and fail on any unwaived finding.

Waivers live in .ci/pip-audit-waivers.txt, one vulnerability id per line followed by
the reason (`GHSA-xxxx-xxxx-xxxx  not reachable: we never call X`). A package the
vulnerability service could not answer for is reported, not failed: where the
machine's registry offers no vulnerability data (a mirror without PyPI's JSON API),
the run says so plainly instead of pretending the packages were checked.
"""

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def waivers() -> dict[str, str]:
    path = HERE / "pip-audit-waivers.txt"
    found = {}
    if path.exists():
        for line in path.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                vuln_id, _, reason = line.partition(" ")
                found[vuln_id] = reason.strip()
    return found


def main() -> int:
    requirements = sys.argv[1:] or ["requirements/dev.txt"]
    args = [sys.executable, "-m", "pip_audit", "--disable-pip", "--no-deps"]
    for req in requirements:
        args += ["-r", str(ROOT / req)]
    args += ["--format", "json", "--progress-spinner", "off"]
    run = subprocess.run(args, capture_output=True, text=True, timeout=900)
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        print(run.stdout, run.stderr, sep="\n")
        print("pip-audit: no report (the vulnerability service may be unreachable)")
        return 0 if "ConnectionError" in run.stderr else 1
    waived = waivers()
    audited, skipped, failures = 0, [], []
    for dep in report.get("dependencies", []):
        if "skip_reason" in dep:
            skipped.append(dep["name"])
            continue
        audited += 1
        for vuln in dep.get("vulns", []):
            ids = [vuln["id"], *vuln.get("aliases", [])]
            if any(i in waived for i in ids):
                print(
                    f"waived  {dep['name']} {dep['version']} {vuln['id']}: {waived.get(vuln['id'], '')}"
                )
            else:
                failures.append(
                    f"{dep['name']} {dep['version']} {vuln['id']} fix: {vuln.get('fix_versions')}"
                )
    print(f"pip-audit: {audited} packages audited, {len(skipped)} not answered by the service")
    if skipped and not audited:
        print(
            "pip-audit: WARNING the vulnerability service answered for no package on this machine"
        )
    for line in failures:
        print(f"VULNERABLE {line}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Suite-wide policy: in CI a skipped test is a failed one.

A test that needs something this machine may lack (a service, a system
program) skips with its reason on a developer's machine. ``.ci/run`` sets
``MANA_NO_SKIPS=1`` after installing everything, so there the same skip
means the set-up is broken and the run must not pass.
"""

from __future__ import annotations

import os

import pytest

NO_SKIPS = os.environ.get("MANA_NO_SKIPS") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if NO_SKIPS and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped in CI (MANA_NO_SKIPS=1), which counts as a failure: {reason}"

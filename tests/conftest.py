"""Session plumbing: start the external programs early, run the tests that read them last.

See ``tests/background.py``. Fixtures that stand for a background job are listed in
``BACKGROUND_FIXTURES``; a selected test that uses one of them (or is marked ``slow``: it runs an
external program) goes after every other test, so the worker has time to finish first.
"""

from __future__ import annotations

import pytest

import background

#: fixture name -> the background job it returns
BACKGROUND_FIXTURES = {
    "platform": "platform",
    "checkov_report": "platform",
    "qa_platform": "platform-qa",
    "marketing_site": "marketing-site",
    "docs_site": "docs",
    "wheel": "wheel",
    "consumer": "consumer",
    "first_app": "first-app",
    "planted_findings": "planted-findings",
}


def _late(item: pytest.Item) -> bool:
    return item.get_closest_marker("slow") is not None or bool(BACKGROUND_FIXTURES.keys() & set(item.fixturenames))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Stable: in-process tests keep their order, then the ones that read background results.
    items.sort(key=_late)


def pytest_collection_finish(session: pytest.Session) -> None:
    wanted = {job for item in session.items for name, job in BACKGROUND_FIXTURES.items() if name in item.fixturenames}
    if not session.config.option.collectonly:
        background.start(wanted)


def pytest_terminal_summary(terminalreporter, config) -> None:
    if background.TIMINGS and config.option.verbose >= 0:
        terminalreporter.section("background jobs (start, end, duration)")
        for line in background.summary():
            terminalreporter.write_line(line)


def pytest_sessionfinish() -> None:
    background.cleanup()

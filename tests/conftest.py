"""Session plumbing: start the external programs early, run the tests that read them last.

See ``tests/background.py``. A selected test that uses a background job's fixture (made with
``background.fixture``), directly or through another fixture, or is marked ``slow`` (it runs an
external program), goes after every other test, so the worker has time to finish first.
"""

from __future__ import annotations

import pytest

import background


def _late(item: pytest.Item) -> bool:
    return item.get_closest_marker("slow") is not None or any(name in background.JOBS for name in item.fixturenames)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Stable: in-process tests keep their order, then the ones that read background results.
    items.sort(key=_late)


def pytest_collection_finish(session: pytest.Session) -> None:
    if not session.config.option.collectonly:
        background.start(name for item in session.items for name in item.fixturenames)


def pytest_terminal_summary(terminalreporter, config) -> None:
    if background.TIMINGS and config.option.verbose >= 0:
        terminalreporter.section("background jobs (start, end, duration)")
        for line in background.summary():
            terminalreporter.write_line(line)


def pytest_sessionfinish() -> None:
    background.cleanup()

"""The suite's external programs, run in a background thread beside the in-process synthesis.

The suite's time goes to two kinds of work: synthesis inside the pytest process (Python and the
jsii node process, taking turns: about one core) and external programs (the CDK CLI running the
example apps, cfn-lint, checkov, sphinx-build, uv building and installing the wheel). On a 2-core
machine the second kind runs here, in a worker thread's subprocesses, while the first goes on.

* ``tests/conftest.py`` submits, right after collection, the jobs the selected tests need, and
  orders the tests that read their results last, so by then most are done.
* A test that needs a job which has not started runs it itself: it would only wait otherwise.
* cfn-lint and checkov are *batched*: each test module hands its templates over as soon as it has
  synthesized them, and one run covers every template handed over since the last run, because
  start-up (loading schemas and checks) is most of what a run costs.

Nothing here decides a result: jobs return what the programs printed or wrote, and the tests
assert on it exactly as they would on a run of their own.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
TOOL_ENV = dict(os.environ, CDK_DISABLE_CLI_TELEMETRY="true")


class Job:
    """One unit of background work; whoever gets to it first (worker or test) runs it."""

    def __init__(self, name: str, fn: Callable[[], object], *, timed: bool = True):
        self.name = name
        self._fn = fn
        self._timed = timed
        self._lock = threading.Lock()
        self._started = False
        self._done = threading.Event()
        self._value: object = None
        self._error: BaseException | None = None

    def _claim(self) -> bool:
        with self._lock:
            if self._started:
                return False
            self._started = True
            return True

    def _run(self) -> None:
        started = time.perf_counter()
        try:
            self._value = self._fn()
        except BaseException as exc:  # handed to whoever asks for the result
            self._error = exc
        finally:
            if self._timed:
                TIMINGS.append((self.name, threading.current_thread().name, started, time.perf_counter()))
            self._done.set()

    def run_if_unclaimed(self) -> None:
        if self._claim():
            self._run()

    def result(self):
        self.run_if_unclaimed()  # not started yet: run it here rather than wait for the worker
        while not self._done.is_set():
            if not RUNNER.help_once():  # the worker has it: take on queued work meanwhile
                self._done.wait(0.1)
        if self._error is not None:
            raise self._error
        return self._value


class Runner:
    """A FIFO of jobs and the one worker thread that works through it."""

    def __init__(self) -> None:
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, job: Job) -> Job:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="background-jobs", daemon=True)
                self._thread.start()
        self._queue.put(job)
        return job

    def help_once(self) -> bool:
        """Run the next queued job in the calling thread; False when there is none."""
        try:
            job = self._queue.get_nowait()
        except queue.Empty:
            return False
        if job is None:  # stopping: leave the sentinel for the worker
            self._queue.put(None)
            return False
        job.run_if_unclaimed()
        return True

    def _work(self) -> None:
        while (job := self._queue.get()) is not None and not _stopping.is_set():
            job.run_if_unclaimed()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)


RUNNER = Runner()
#: (job, thread that ran it, start, end) of every job run, for the session's summary
TIMINGS: list[tuple[str, str, float, float]] = []
_EPOCH = time.perf_counter()


def summary() -> list[str]:
    """One line per job run: when it started and ended (seconds into the session) and where."""
    return [
        f"{start - _EPOCH:7.1f} s {end - _EPOCH:7.1f} s  {end - start:6.1f} s  {job} ({'worker' if thread == 'background-jobs' else 'test'})"
        for job, thread, start, end in sorted(TIMINGS, key=lambda t: t[2])
    ]


_SCRATCH = Path(tempfile.mkdtemp(prefix="ff-background-"))
_stopping = threading.Event()
_running: set[subprocess.Popen] = set()
_running_lock = threading.Lock()


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    """``subprocess.run(cmd, **kwargs)``, stoppable by ``cleanup``."""
    # No stdin: nothing here may wait for input (cfn-lint reads a template from stdin when it has no files).
    with subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs) as proc:
        with _running_lock:
            _running.add(proc)
        try:
            stdout, stderr = proc.communicate()
        finally:
            with _running_lock:
                _running.discard(proc)
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)


def scratch(name: str) -> Path:
    """A fresh folder for one job's output, removed with the others at the end of the session."""
    return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=_SCRATCH))


_REMOVE_AT_END: list[Path] = []


def remove_at_end(folder) -> None:
    """Remove ``folder`` when the session ends (its files may be queued for a batch until then)."""
    _REMOVE_AT_END.append(Path(folder))


def cleanup() -> None:
    """End of session: drop queued jobs, stop programs still running (results nobody asked for)."""
    _stopping.set()
    RUNNER.stop()
    with _running_lock:
        for proc in _running:
            proc.kill()
    shutil.rmtree(_SCRATCH, ignore_errors=True)
    for folder in _REMOVE_AT_END:
        shutil.rmtree(folder, ignore_errors=True)


# ------------------------------------------------------------------------------------ batches
class Batch:
    """One program run over many files at once; each file's share of the output on request.

    ``run(files) -> {file: value}`` runs the program once. ``submit`` queues files (and a job
    that runs up to ``max_files`` of whatever is queued when it starts); ``result`` returns the
    files' values, running the queued ones itself when no run has picked them up yet.
    ``timed=False`` keeps its runs out of the session summary (the runner's own tests).
    """

    #: Files per run: enough that start-up is a small share, few enough that two runs (the
    #: worker's and a waiting test's) can share the work at the end of the session.
    max_files = 40

    def __init__(self, name: str, run: Callable[[list[str]], dict[str, object]], *, timed: bool = True):
        self.name = name
        self._run = run
        self._timed = timed
        self._lock = threading.Lock()
        self._pending: list[str] = []
        self._done: dict[str, threading.Event] = {}
        self._values: dict[str, object] = {}
        self._errors: dict[str, BaseException] = {}

    @staticmethod
    def _key(path) -> str:
        return str(Path(path).resolve())

    def submit(self, files: Iterable) -> None:
        with self._lock:
            new = [k for k in map(self._key, files) if k not in self._done]
            for key in new:
                self._done[key] = threading.Event()
            self._pending += new
        if new:
            RUNNER.submit(Job(self.name, self._flush, timed=False))

    def _flush(self, prefer: Iterable[str] = ()) -> None:
        """Run the program over up to ``max_files`` queued files, ``prefer``-red ones first."""
        with self._lock:
            preferred = [k for k in prefer if k in self._pending]
            files = (preferred + [k for k in self._pending if k not in preferred])[: self.max_files]
            self._pending = [k for k in self._pending if k not in files]
            more = bool(self._pending)
        if more:
            RUNNER.submit(Job(self.name, self._flush, timed=False))
        if not files:
            return  # an earlier run took them
        started = time.perf_counter()
        try:
            values = self._run(files)
        except BaseException as exc:
            self._errors.update(dict.fromkeys(files, exc))
        else:
            self._values.update({f: values.get(f) for f in files})
        if self._timed:
            TIMINGS.append((f"{self.name}, {len(files)} templates", threading.current_thread().name, started, time.perf_counter()))
        for key in files:
            self._done[key].set()

    def result(self, files: Iterable) -> dict[str, object]:
        keys = [self._key(f) for f in files]
        self.submit(keys)
        while not all(self._done[k].is_set() for k in keys):
            with self._lock:
                mine_queued = any(k in self._pending for k in keys)
            if mine_queued:
                self._flush(prefer=keys)  # no run has them yet: run them here
            elif not RUNNER.help_once():  # the worker has them: take on queued work meanwhile
                self._done[next(k for k in keys if not self._done[k].is_set())].wait(0.1)
        values = {}
        for key in keys:
            if key in self._errors:
                raise self._errors[key]
            values[key] = self._values[key]
        return values


def _run_cfn_lint(files: list[str]) -> dict[str, list[dict]]:
    """cfn-lint (with the repository's .cfnlintrc) over ``files``: ``{file: [match, ...]}``."""
    proc = run([str(VENV_BIN / "cfn-lint"), "--format", "json", *files], cwd=ROOT)
    try:
        matches = json.loads(proc.stdout or "[]")
    except json.JSONDecodeError:
        raise RuntimeError(f"cfn-lint exited {proc.returncode} without a JSON report:\n{proc.stdout}{proc.stderr}")
    if proc.returncode and not matches:
        raise RuntimeError(f"cfn-lint exited {proc.returncode} without findings:\n{proc.stderr}")
    by_file: dict[str, list[dict]] = {f: [] for f in files}
    for match in matches:
        if not match.get("Filename"):  # e.g. a file deleted while it waited in the batch
            raise RuntimeError(f"cfn-lint reported a finding for no file: {match.get('Message')}")
        by_file.setdefault(str(Path(match["Filename"]).resolve()), []).append(match)
    return by_file


def _run_checkov(files: list[str]) -> dict[str, dict[str, list[dict]]]:
    """checkov (CloudFormation checks) over ``files``: ``{file: {"passed_checks": [...], ...}}``.

    Not ``--quiet``: that drops the skipped checks, which the tests compare with the registry.
    ``--skip-download``: no call to the vendor's platform (CI has no internet; results are the same).
    """
    args = [str(VENV_BIN / "checkov"), "--framework", "cloudformation", "--compact", "--output", "json", "--skip-download"]
    for file in files:
        args += ["--file", file]
    proc = run(args)
    try:
        reports = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"checkov exited {proc.returncode} without a JSON report:\n{proc.stdout}{proc.stderr[-4000:]}")
    reports = reports if isinstance(reports, list) else [reports]
    kinds = ("passed_checks", "failed_checks", "skipped_checks")
    by_file: dict[str, dict[str, list[dict]]] = {f: {k: [] for k in kinds} for f in files}
    for report in reports:
        for kind in kinds:
            for check in report.get("results", {}).get(kind, []):
                path = str(Path(check.get("file_abs_path") or check["file_path"]).resolve())
                by_file.setdefault(path, {k: [] for k in kinds})[kind].append(check)
    return by_file


CFN_LINT = Batch("cfn-lint", _run_cfn_lint)
CHECKOV = Batch("checkov", _run_checkov)


# --------------------------------------------------------------------------------------- jobs
def _read_assembly(outdir: Path) -> dict:
    manifest_file = outdir / "manifest.json"
    manifest = json.loads(manifest_file.read_text()) if manifest_file.is_file() else {"artifacts": {}}
    artifacts = {n: a for n, a in manifest.get("artifacts", {}).items() if a["type"] == "aws:cloudformation:stack"}
    stacks = {n: json.loads((outdir / a["properties"]["templateFile"]).read_text()) for n, a in artifacts.items()}
    return {"outdir": outdir, "manifest": manifest, "artifacts": artifacts, "stacks": stacks}


def _hand_over_templates(assembly: dict) -> None:
    """The templates go to the cfn-lint and checkov batches as soon as they exist."""
    files = sorted(assembly["outdir"].glob("*.template.json"))
    CFN_LINT.submit(files)
    CHECKOV.submit(files)


def platform_summary(*args: str) -> dict:
    """The README's synth command (``scripts/platform_summary.py``) with ``args``; its assembly."""
    outdir = scratch("assembly") / "cdk.out"
    result = run(
        [sys.executable, str(ROOT / "scripts" / "platform_summary.py"), *args, "--outdir", str(outdir)],
        cwd=ROOT, env=TOOL_ENV,
    )
    return {"result": result, **_read_assembly(outdir)}


def _platform() -> dict:
    assembly = platform_summary()
    _hand_over_templates(assembly)
    return assembly


def _marketing_site() -> dict:
    assembly = platform_summary("--app", "marketing_site")
    _hand_over_templates(assembly)
    return assembly


def _first_app() -> dict:
    app = ROOT / "examples" / "first_app" / "app.py"
    outdir = scratch("first_app")
    result = run([sys.executable, str(app)], cwd=app.parent, env={**TOOL_ENV, "CDK_OUTDIR": str(outdir)})
    return {"result": result, "outdir": outdir}


def _docs() -> dict:
    out = scratch("html")
    result = run([str(VENV_BIN / "sphinx-build"), "-W", "--keep-going", "-q", "-b", "html", "docs", str(out)], cwd=ROOT)
    return {"result": result, "outdir": out}


def _wheel() -> dict:
    out = scratch("dist")
    result = run([str(VENV_BIN / "uv"), "build", "--wheel", "--out-dir", str(out), str(ROOT)])
    return {"result": result, "wheels": sorted(out.glob("finefinds_constructs-*.whl"))}


#: Every job, by the name of the session fixture that returns its result, in the order the worker
#: takes them when all are wanted: the platform first (it feeds the largest lint batches).
JOBS: dict[str, Callable[[], object]] = {
    "platform": _platform,
    "qa_platform": lambda: platform_summary("--env", "qa"),
    "marketing_site": _marketing_site,
    "docs_build": _docs,
    "wheel_build": _wheel,
    "first_app": _first_app,
}
_submitted: dict[str, Job] = {}
_submitted_lock = threading.Lock()


def _job(name: str) -> Job:
    with _submitted_lock:
        if name not in _submitted:
            _submitted[name] = RUNNER.submit(Job(name, JOBS[name]))
        return _submitted[name]


def start(names: Iterable[str]) -> None:
    """Queue the jobs among ``names`` (in ``JOBS`` order) for the worker."""
    wanted = set(names)
    for name in JOBS:
        if name in wanted:
            _job(name)


def result(name: str):
    """A job's result: at once when the worker has finished it, else when it (or this caller) has."""
    return _job(name).result()


def fixture(name: str, fn: Callable[[], object] | None = None):
    """A session fixture called ``name`` whose value is the result of job ``name``.

    ``fn`` registers a job defined next to the tests that use it; the others are in ``JOBS``.
    tests/conftest.py starts the jobs of the selected tests' fixtures and orders those tests last.
    """
    if fn is not None:
        JOBS.setdefault(name, fn)
    if name not in JOBS:
        raise KeyError(f"no background job {name!r}; known: {', '.join(JOBS)}")

    @pytest.fixture(scope="session", name=name)
    def _result():
        return result(name)

    return _result

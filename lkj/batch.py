"""Every report of a quarter in one command: ``lkj all`` (``make all TW=2 [TAHUN=2023]``).

Reports are built as many at once as the machine has cores, each in its own process: a failing or
crashing report cannot take the others down, and ``lkj report`` renders in its own temporary
work directory under build/, so parallel builds never share intermediate files. On Linux this
process imports pandas, matplotlib, papermill and IPython once (≈2 s) and *forks* a copy of
itself per report, which starts with all of that already loaded (the first report starts at once
and imports for itself, on the core the warm-up leaves idle); elsewhere each report is a fresh
``lkj report`` process (argument list, no shell). Both run the same ``lkj report`` code and
print the same messages. A report whose outputs are newer than all its inputs is "already up to
date" and not rebuilt (the same rule as the Makefile). One failing report does not stop the
others; the summary lists what was built, what was up to date, and what failed with its first
error. The portal (reports/index.html) is regenerated at the end.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from lkj import execute, kabupaten
from lkj.errors import LkjError
from lkj.params import ReportId, parse_tahun, parse_tw

FORMATS = ("html", "pdf", "docx")
STATUS_FILE = Path("build") / "status-laporan.json"  # last outcome per report, read by the portal


def discover(root: Path, tw: int, tahun: int | None = None) -> tuple[int, list[ReportId]]:
    """(year, every kecamatan and unit with a data folder for that quarter). The year defaults to
    the latest year in which any kecamatan has data for the quarter."""
    if tahun is None:
        years = kabupaten.years_with_data(root, tw)
        if not years:
            raise LkjError(f"Tidak ada data Triwulan {tw} di data/raw/ untuk kecamatan mana pun.")
        tahun = years[-1]
    rids = [ReportId(kec, tahun, tw, unit) for kec in kabupaten.kec_folders(root)
            for unit in kabupaten.units_with_data(root, kec, tahun, tw)]
    return tahun, rids


def _code_files(root: Path) -> list[Path]:
    from lkj import package_files

    files = package_files() + [root / n for n in ("pyproject.toml", "_quarto.yml",
                                                  "notebooks/laporan.ipynb")]
    return [f for f in files if f.is_file()]


def input_files(root: Path, rid: ReportId) -> list[Path]:
    """What a report is built from: its raw files (as the Makefile lists them) and the code."""
    raw, kec = rid.raw_dir(root), rid.kec_dir(root)
    files = [*kec.glob("*.csv"), *kec.glob("*.xlsx"), *kec.glob("*.png"), *kec.glob("*.jpg"),
             *(raw / "narasi").glob("*.md"), *(kec / "templat").glob("*.md")]
    for tw in range(1, rid.tw + 1):  # earlier quarters of the year feed the quarterly trend
        q = ReportId(rid.kec, rid.tahun, tw, rid.unit).raw_dir(root)
        files += [*q.glob("*.csv"), *q.glob("*.xlsx")]
    return files + _code_files(root)


def output_files(root: Path, rid: ReportId, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    return [rid.report_dir(root) / f"{rid.slug}.{f}" for f in formats]


def up_to_date(root: Path, rid: ReportId, formats: tuple[str, ...] = FORMATS) -> bool:
    """True when every output exists and is newer than every input (make's rule)."""
    outs = output_files(root, rid, formats)
    if not all(o.is_file() for o in outs):
        return False
    newest_in = max((f.stat().st_mtime_ns for f in input_files(root, rid)), default=0)
    return min(o.stat().st_mtime_ns for o in outs) >= newest_in


def first_error(stderr: str, stdout: str = "") -> str:
    """The first problem an ``lkj report`` printed: the first numbered validation problem, else
    the "Gagal: …" line, else the last line that says anything."""
    lines = [l.strip() for l in (stderr or "").splitlines() if l.strip()]
    for l in lines:
        m = re.match(r"^\d+\.\s+(.+)$", l)   # "1. data/raw/…, baris 3, kolom 'pagu': …"
        if m:
            return m.group(1)
    for l in lines:
        if l.startswith("Gagal:"):
            return l.removeprefix("Gagal:").strip()
    noise = ("[IPKernelApp]", "WARNING", "Kernel is running")
    useful = [l for l in lines if not l.startswith(noise)]
    if useful:
        return useful[-1]
    out = [l.strip() for l in (stdout or "").splitlines() if l.strip()]
    return out[-1] if out else "lkj report berhenti tanpa pesan"


@dataclass
class Outcome:
    rid: ReportId
    status: str                 # "dibuat" | "mutakhir" | "gagal"
    seconds: float = 0.0
    error: str = ""
    warnings: int = 0


@dataclass
class Ringkasan:
    tahun: int
    tw: int
    outcomes: list[Outcome] = field(default_factory=list)

    def of(self, status: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def ok(self) -> bool:
        return not self.of("gagal")


TIMEOUT_S = 1800  # one report; far above the few seconds a report takes
STOP_S = 10  # a report asked to stop has this long to clean up
TIMED_OUT = f"melebihi batas waktu {TIMEOUT_S // 60} menit"


def _report_argv(rid: ReportId, engine: str, formats: tuple[str, ...]) -> list[str]:
    return ["report", "--kec", rid.kec, "--tahun", str(rid.tahun), "--tw", str(rid.tw),
            "--unit", rid.unit, "--engine", engine, "--formats", ",".join(formats)]


def _outcome(rid: ReportId, code: int, took: float, stdout: str, stderr: str) -> Outcome:
    if code < 0:  # killed by a signal: no message of its own
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"sinyal {-code}"
        why = "; kemungkinan memori komputer habis" if name == "SIGKILL" else ""
        return Outcome(rid, "gagal", took,
                       f"proses pembuat laporan berhenti mendadak ({name}){why}")
    if code != 0:
        return Outcome(rid, "gagal", took, first_error(stderr, stdout))
    warnings = sum(1 for l in stdout.splitlines() if l.strip().startswith("Peringatan:"))
    return Outcome(rid, "dibuat", took, warnings=warnings)


# ---- one process per report: fork (Linux) ----------------------------------------------------

# What a report imports, loaded once before forking (typst compiles in a child process of its
# own, see lkj.tools: not imported here at all).
WARM_MODULES = ("matplotlib.pyplot", "nbformat", "papermill", "lkj.charts",
                "lkj.execute", "lkj.narrative", "lkj.pipeline", "lkj.process", "lkj.render",
                "lkj.report")


def warm_up(root: Path | None = None) -> None:
    """Load once what every report needs; each forked report then starts warm. With ``root``,
    also what is the same for every report of that project (its git commit)."""
    import importlib

    import matplotlib
    matplotlib.use("Agg")  # before pyplot, as lkj.charts does
    for name in WARM_MODULES:
        importlib.import_module(name)
    from lkj import charts, execute, formatting, pipeline, render
    charts.warm_up()  # fonts and glyph caches, shared by every report's charts
    execute._register_engines()
    execute._shell_class()
    formatting.number(1234.5)  # loads babel's id_ID locale data
    import nbformat  # builds its notebook validator (compiled from the JSON schema on first use)
    nbformat.validate(nbformat.v4.new_notebook())
    if render.available_engines()["embedded"]:
        render.embedded._pandoc_rts()  # each of these asks pandoc once; the answers are kept
        render.embedded._abbreviations()
        pipeline.engine_version("embedded")
    if root is not None:  # one answer for a whole `lkj all`; a standby must ask every time
        pipeline.KNOWN_COMMITS[Path(root).resolve()] = pipeline.git_commit(root)


class _Child:
    """A forked ``lkj report``: its output goes to two files, read when it ends."""

    def __init__(self, root: Path, rid: ReportId, engine: str, formats: tuple[str, ...],
                 logs: Path, charts_in_background: bool = False):
        self.rid = rid
        self.charts_in_background = charts_in_background
        self.out = logs / f"{rid.slug}.out"
        self.err = logs / f"{rid.slug}.err"
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # or the child would print the parent's pending output again
        self.started = time.perf_counter()
        parent = os.getpid()
        self.pid = os.fork()
        if self.pid == 0:  # pragma: no cover - runs in the child, which never returns
            self._run(root, _report_argv(rid, engine, formats), parent)

    def _run(self, root: Path, argv: list[str], parent: int) -> None:
        def report() -> int:
            from lkj.tools import die_with_parent
            die_with_parent(parent)  # a killed `lkj all` takes its reports with it
            for fd, path in ((1, self.out), (2, self.err)):
                f = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                os.dup2(f, fd)
                os.close(f)
            # New streams on the files: whatever sys.stdout was in lkj all (a terminal, a pipe,
            # a test's capture) the report's messages go to its own files.
            sys.stdout = open(1, "w", encoding="utf-8", errors="replace", closefd=False)
            sys.stderr = open(2, "w", encoding="utf-8", errors="replace", closefd=False)
            os.chdir(root)
            os.environ["LKJ_ROOT"] = str(root)
            from lkj import cli, pipeline
            # While other reports wait, every core already builds one; the last report has
            # a core to itself as the others end, and draws its charts on it.
            pipeline.CHARTS_IN_BACKGROUND = self.charts_in_background
            return cli.main(argv)

        execute.finish_fork(report)

    def poll(self) -> Outcome | None:
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        took = time.perf_counter() - self.started
        if pid == 0:
            if took <= TIMEOUT_S:
                return None
            _stop([self])
            return Outcome(self.rid, "gagal", took, TIMED_OUT)
        text = [p.read_text(encoding="utf-8", errors="replace") if p.exists() else ""
                for p in (self.out, self.err)]
        return _outcome(self.rid, os.waitstatus_to_exitcode(status), took, *text)


def _stop(children: list[_Child]) -> None:
    """SIGTERM, which a report answers by cleaning up (a switch of reports/ in progress is
    finished first); SIGKILL for those still there after STOP_S."""
    for child in children:
        try:
            os.kill(child.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + STOP_S
    for child in children:
        try:
            while os.waitpid(child.pid, os.WNOHANG)[0] == 0:
                if time.monotonic() > deadline:
                    os.kill(child.pid, signal.SIGKILL)
                    os.waitpid(child.pid, 0)
                    break
                time.sleep(0.02)
        except (ProcessLookupError, ChildProcessError):
            pass


def _build_forked(root: Path, todo: list[ReportId], engine: str, formats: tuple[str, ...],
                  jobs: int, started, finished) -> None:
    """Keep ``jobs`` forked reports running until all are done. This process stays single
    threaded: a fork copies only the thread that calls it."""
    import gc

    from lkj import publish

    queue = list(todo)
    running: list[_Child] = []
    with publish.work_dir(root / "build", "make-all-") as logs:
        try:
            def start() -> None:
                child = _Child(root, queue.pop(0), engine, formats, Path(logs),
                               charts_in_background=not queue and jobs > 1)
                running.append(child)
                started(child.rid)

            if jobs > 1 and len(queue) > 1:
                # The warm-up below keeps one core busy for ~2 s: the first report starts now
                # on the other one, importing what it needs itself like a single `lkj report`.
                start()
            warm_up(root)
            # Objects that exist now are never collected in the children: the collector would
            # otherwise write to every page they share with this process, copying them.
            gc.collect()
            gc.freeze()
            while queue or running:
                while queue and len(running) < jobs:
                    start()
                for child in list(running):
                    outcome = child.poll()
                    if outcome is not None:
                        running.remove(child)
                        finished(outcome)
                if running:
                    time.sleep(0.02)
        finally:  # Ctrl+C or an error here: no report may keep running unattended
            _stop(running)


# ---- one process per report: a new interpreter (everywhere) --------------------------------

def _build_one(root: Path, rid: ReportId, engine: str, formats: tuple[str, ...]) -> Outcome:
    from lkj import tools

    cmd = [sys.executable, "-m", "lkj.cli", *_report_argv(rid, engine, formats)]
    env = {**os.environ, "LKJ_ROOT": str(root), "PYTHONIOENCODING": "utf-8"}
    started = time.perf_counter()
    proc = tools.spawn(cmd, root, env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace")
    try:
        out, err = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        tools.kill(proc)
        return Outcome(rid, "gagal", time.perf_counter() - started, TIMED_OUT)
    except BaseException:
        tools.kill(proc)
        raise
    return _outcome(rid, proc.returncode, time.perf_counter() - started, out, err)


def _build_subprocesses(root: Path, todo: list[ReportId], engine: str,
                        formats: tuple[str, ...], jobs: int, started, finished) -> None:
    from concurrent.futures import ThreadPoolExecutor, as_completed

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {}
        for rid in todo:
            futures[pool.submit(_build_one, root, rid, engine, formats)] = rid
            started(rid)
        for fut in as_completed(futures):  # reported from this thread only
            finished(fut.result())


def _fmt_s(seconds: float) -> str:
    return f"{seconds:.1f}".replace(".", ",") + " detik"


def run(root: Path, tw, tahun=None, engine: str = "auto", formats: tuple[str, ...] = FORMATS,
        jobs: int | None = None, paksa: bool = False, out=None,
        fork: bool | None = None) -> Ringkasan:
    """Build every report of the quarter; print progress and the summary to ``out``.

    ``fork``: build by forking this process (default where :func:`lkj.execute.can_fork`), or by starting a
    new ``lkj report`` interpreter per report."""
    out = out or sys.stdout
    root = Path(root)
    tw_n = parse_tw(tw)
    year, rids = discover(root, tw_n, parse_tahun(tahun) if tahun not in (None, "") else None)
    summary = Ringkasan(year, tw_n)
    if not rids:
        print(f"Tidak ada data Triwulan {tw_n} Tahun {year} di data/raw/.", file=out)
        return summary
    jobs = max(1, jobs or os.cpu_count() or 1)
    todo = []
    for rid in rids:
        if not paksa and up_to_date(root, rid, formats):
            summary.outcomes.append(Outcome(rid, "mutakhir"))
        else:
            todo.append(rid)

    def say(text: str) -> None:
        print(text, file=out, flush=True)

    say(f"make all: Triwulan {tw_n} Tahun {year}, {len(rids)} laporan "
        f"({len(todo)} perlu dibuat, {len(rids) - len(todo)} sudah mutakhir), "
        f"{min(jobs, max(1, len(todo)))} dikerjakan bersamaan.")

    def started(rid: ReportId) -> None:
        say(f"  [mulai]   {rid.label()}")

    def finished(o: Outcome) -> None:
        summary.outcomes.append(o)
        done = len(summary.outcomes) - (len(rids) - len(todo))
        mark = "selesai" if o.status == "dibuat" else "GAGAL  "
        tail = f" ({_fmt_s(o.seconds)})" + (f": {o.error}" if o.error else "")
        say(f"  [{done}/{len(todo)} {mark}] {o.rid.label()}{tail}")

    if todo:
        build = _build_forked if (execute.can_fork() if fork is None else fork) else _build_subprocesses
        build(root, todo, engine, formats, jobs, started, finished)
    order = {rid: i for i, rid in enumerate(rids)}
    summary.outcomes.sort(key=lambda o: order[o.rid])
    _save_status(root, summary)
    print(describe(summary), file=out, flush=True)
    return summary


def _save_status(root: Path, summary: Ringkasan) -> None:
    """Remember each report's last outcome so the portal can show a failure next to the report
    that is still published from an earlier run."""
    path = root / STATUS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError):
        data = {}
    now = time.time()
    for o in summary.outcomes:
        if o.status != "mutakhir":
            data[o.rid.slug] = {"status": o.status, "error": o.error, "waktu": now}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


def describe(summary: Ringkasan) -> str:
    lines = [f"Ringkasan Triwulan {summary.tw} Tahun {summary.tahun}: "
             f"{len(summary.of('dibuat'))} dibuat, {len(summary.of('mutakhir'))} sudah mutakhir, "
             f"{len(summary.of('gagal'))} gagal."]
    for status, title in (("dibuat", "Dibuat"), ("mutakhir", "Sudah mutakhir (tidak dibuat ulang)"),
                          ("gagal", "Gagal")):
        items = summary.of(status)
        if not items:
            continue
        lines.append(f"  {title}:")
        for o in items:
            extra = ""
            if status == "dibuat" and o.warnings:
                extra = f" — {o.warnings} peringatan data"
            if status == "gagal":
                extra = f" — {o.error}"
            lines.append(f"    {o.rid.label()}{extra}")
    if summary.of("gagal"):
        lines.append("  Perbaiki data yang gagal lalu jalankan lagi; laporan lain tidak terpengaruh. "
                     "Rincian: make check KEC=<kec> TW=<tw> TAHUN=<tahun>.")
    return "\n".join(lines)

"""Every report of a quarter in one command: ``lkj all`` (``make all TW=2 [TAHUN=2023]``).

Reports are built as many at once as the machine has cores, each in its own process
(:class:`Child`, which ``lkj watch`` uses too): a failing or crashing report cannot take the
others down, and each renders in its own work directory under build/. On Linux this process
imports pandas, matplotlib, papermill and IPython once (≈2 s) and *forks* a copy of itself per
report, which starts with all of that already loaded (the first report starts at once and
imports for itself, on the core the warm-up leaves idle); elsewhere each report is a fresh
``lkj report`` process (argument list, no shell). Either way the report runs the same ``lkj
report`` code and hands back its :class:`~lkj.pipeline.Outcome` as a file (``--hasil``), never
as text to be read back. A report whose outputs are newer than all its inputs is "already up
to date" and not rebuilt (:func:`lkj.layout.up_to_date`, the Makefile's rule). One failing
report does not stop the others; the summary lists what was built, what was up to date, and
what failed with its first problem. The portal (reports/index.html) is regenerated at the end.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from lkj import execute, layout, tools
from lkj.params import ReportId, parse_tw, year
from lkj.pipeline import DIBUAT, GAGAL, MUTAKHIR, Outcome

FORMATS = ("html", "pdf", "docx")


@dataclass
class Ringkasan:
    tahun: int
    tw: int
    outcomes: list[Outcome] = field(default_factory=list)

    def of(self, status: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def ok(self) -> bool:
        return not self.of(GAGAL)


TIMEOUT_S = 1800  # one report; far above the few seconds a report takes
STOP_S = 10  # a report asked to stop has this long to clean up
TIMED_OUT = f"melebihi batas waktu {TIMEOUT_S // 60} menit"


# ---- one process per report ---------------------------------------------------------------

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
    from lkj import charts, execute, formatting, pipeline, render, report
    charts.warm_up()  # fonts and glyph caches, shared by every report's charts
    report.warm_up()  # templates compiled, number words loaded
    execute._register_engines()
    execute._shell_class()
    formatting.number(1234.5)  # loads babel's id_ID locale data
    import nbformat  # builds its notebook validator (compiled from the JSON schema on first use)
    nbformat.validate(nbformat.v4.new_notebook())
    if render.available_engines()["embedded"]:
        render.embedded._pandoc_rts()  # each of these asks pandoc once; the answers are kept
        pipeline.engine_version("embedded")
    if root is not None:  # one answer for a whole `lkj all`; a standby must ask every time
        pipeline.KNOWN_COMMITS[Path(root).resolve()] = pipeline.git_commit(root)


class Child:
    """``lkj report`` for one report in a process of its own: a fork of this warm process
    (``fork``), else a new interpreter. Its own process group, so that stopping it stops its
    pandoc and typst too; it dies with this process. Its Outcome comes back as a JSON file in
    ``folder``; its printed messages are not read."""

    def __init__(self, root: Path, rid: ReportId, engine: str, formats: tuple[str, ...],
                 folder: Path, fork: bool | None = None):
        self.rid, self.started = rid, time.perf_counter()
        self.result = Path(folder).resolve() / f"{rid.slug}.json"
        self.result.unlink(missing_ok=True)  # an earlier build's, in `lkj watch`
        argv = ["report", "--kec", rid.kec, "--tahun", str(rid.tahun), "--tw", str(rid.tw),
                "--unit", rid.unit, "--engine", engine, "--formats", ",".join(formats),
                "--hasil", str(self.result)]
        self.proc = None
        if not (execute.can_fork() if fork is None else fork):
            self.proc = tools.spawn([sys.executable, "-m", "lkj.cli", *argv], root,
                                    {**os.environ, "LKJ_ROOT": str(root)},
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            self.pid = self.proc.pid
            return
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # or the child would print the parent's pending output again
        parent = os.getpid()
        self.pid = os.fork()
        if self.pid == 0:  # pragma: no cover - runs in the child, which never returns
            execute.finish_fork(lambda: self._report(root, argv, parent))
        try:
            os.setpgid(self.pid, self.pid)  # also here: stop() may come before the child's
        except OSError:  # it already did, or it has ended
            pass

    @staticmethod
    def _report(root: Path, argv: list[str], parent: int) -> int:
        tools.die_with_parent(parent)  # a killed `lkj all` or `lkj watch` takes it along
        os.setpgid(0, 0)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        sys.stdout = open(1, "w", encoding="utf-8", errors="replace", closefd=False)
        sys.stderr = open(2, "w", encoding="utf-8", errors="replace", closefd=False)
        os.chdir(root)
        os.environ["LKJ_ROOT"] = str(root)
        from lkj import cli
        return cli.main(argv)

    def _code(self) -> int | None:
        if self.proc is not None:
            return self.proc.poll()
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        return None if pid == 0 else os.waitstatus_to_exitcode(status)

    def poll(self) -> Outcome | None:
        """None while it runs; then its Outcome (one it could not hand back says why)."""
        code = self._code()
        if code is None:
            return None
        took = time.perf_counter() - self.started
        try:
            outcome = Outcome.load(self.rid, self.result)
        except (OSError, ValueError, TypeError):
            outcome = ended(self.rid, code)
        outcome.seconds = took
        return outcome

    def signal(self, sig: int) -> bool:
        try:
            os.killpg(self.pid, sig)
            return True
        except (ProcessLookupError, PermissionError):
            return False


def ended(rid: ReportId, code: int) -> Outcome:
    """A report process that ended without handing back its Outcome."""
    if code < 0:  # killed by a signal: no message of its own
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"sinyal {-code}"
        why = "; kemungkinan memori komputer habis" if name == "SIGKILL" else ""
        text = f"proses pembuat laporan berhenti mendadak ({name}){why}"
    else:
        text = f"proses pembuat laporan berhenti (kode {code}) tanpa menyerahkan hasilnya"
    return Outcome(rid, GAGAL, [text], message=f"Gagal: {text}")


def stop(children: list[Child]) -> None:
    """SIGTERM, which a report answers by cleaning up (a switch of reports/ in progress is
    finished first); SIGKILL for those still there after STOP_S."""
    alive = [c for c in children if c.signal(signal.SIGTERM)]
    deadline = time.monotonic() + STOP_S
    while alive:
        alive = [c for c in alive if c._code() is None]
        if alive and time.monotonic() > deadline:
            for c in alive:
                c.signal(signal.SIGKILL)
            deadline = float("inf")
        time.sleep(0.02)


def _build(root: Path, todo: list[ReportId], engine: str, formats: tuple[str, ...],
           jobs: int, started, finished, fork: bool) -> None:
    """Keep ``jobs`` reports running until all are done. This process stays single threaded:
    a fork copies only the thread that calls it."""
    import gc

    from lkj import publish

    queue = list(todo)
    running: list[Child] = []
    with publish.work_dir(root / "build", "make-all-") as folder:
        try:
            def start() -> None:
                running.append(Child(root, queue.pop(0), engine, formats, folder, fork))
                started(running[-1].rid)

            if fork:
                if jobs > 1 and len(queue) > 1:
                    # The warm-up below keeps one core busy for ~2 s: the first report starts
                    # now on the other one, importing what it needs itself.
                    start()
                warm_up(root)
                # Objects that exist now are never collected in the children: the collector
                # would otherwise write to every page they share with this process, copying them.
                gc.collect()
                gc.freeze()
            while queue or running:
                while queue and len(running) < jobs:
                    start()
                for child in list(running):
                    outcome = child.poll()
                    if outcome is None and time.perf_counter() - child.started > TIMEOUT_S:
                        stop([child])
                        outcome = Outcome(child.rid, GAGAL, [TIMED_OUT], seconds=TIMEOUT_S,
                                          message=f"Gagal: {TIMED_OUT}")
                    if outcome is not None:
                        running.remove(child)
                        finished(outcome)
                if running:
                    time.sleep(0.02)
        finally:  # Ctrl+C or an error here: no report may keep running unattended
            stop(running)


def _fmt_s(seconds: float) -> str:
    return f"{seconds:.1f}".replace(".", ",") + " detik"


def run(root: Path, tw, tahun=None, engine: str = "auto", formats: tuple[str, ...] = FORMATS,
        jobs: int | None = None, paksa: bool = False, out=None,
        fork: bool | None = None) -> Ringkasan:
    """Build every report of the quarter; print progress and the summary to ``out``.

    ``fork``: build by forking this process (default where :func:`lkj.execute.can_fork`), or
    by starting a new ``lkj report`` interpreter per report."""
    out = out or sys.stdout
    root = Path(root)
    tw_n = parse_tw(tw)
    tahun_n = year(root, tw_n, tahun)
    rids = layout.with_data(root, tw_n, tahun_n)
    summary = Ringkasan(tahun_n, tw_n)
    if not rids:
        print(f"Tidak ada data Triwulan {tw_n} Tahun {tahun_n} di data/raw/.", file=out)
        return summary
    jobs = max(1, jobs or os.cpu_count() or 1)
    todo = []
    for rid in rids:
        if not paksa and layout.up_to_date(root, rid, engine, formats):
            summary.outcomes.append(Outcome(rid, MUTAKHIR))
        else:
            todo.append(rid)

    def say(text: str) -> None:
        print(text, file=out, flush=True)

    say(f"make all: Triwulan {tw_n} Tahun {tahun_n}, {len(rids)} laporan "
        f"({len(todo)} perlu dibuat, {len(rids) - len(todo)} sudah mutakhir), "
        f"{min(jobs, max(1, len(todo)))} dikerjakan bersamaan.")

    def started(rid: ReportId) -> None:
        say(f"  [mulai]   {rid.label()}")

    def finished(o: Outcome) -> None:
        summary.outcomes.append(o)
        done = len(summary.outcomes) - (len(rids) - len(todo))
        mark = "selesai" if o.status == DIBUAT else "GAGAL  "
        tail = f" ({_fmt_s(o.seconds)})" + (f": {o.error}" if o.error else "")
        say(f"  [{done}/{len(todo)} {mark}] {o.rid.label()}{tail}")

    if todo:
        _build(root, todo, engine, formats, jobs, started, finished,
               execute.can_fork() if fork is None else fork)
    order = {rid: i for i, rid in enumerate(rids)}
    summary.outcomes.sort(key=lambda o: order[o.rid])
    _save_status(root, summary)
    print(describe(summary), file=out, flush=True)
    return summary


def _save_status(root: Path, summary: Ringkasan) -> None:
    """Remember each report's last outcome so the portal can show a failure next to the report
    that is still published from an earlier run."""
    path = root / layout.STATUS
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError):
        data = {}
    now = time.time()
    for o in summary.outcomes:
        if o.status != MUTAKHIR:
            data[o.rid.slug] = {"status": o.status, "error": o.error, "waktu": now}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


def describe(summary: Ringkasan) -> str:
    lines = [f"Ringkasan Triwulan {summary.tw} Tahun {summary.tahun}: "
             f"{len(summary.of(DIBUAT))} dibuat, {len(summary.of(MUTAKHIR))} sudah mutakhir, "
             f"{len(summary.of(GAGAL))} gagal."]
    for status, title in ((DIBUAT, "Dibuat"), (MUTAKHIR, "Sudah mutakhir (tidak dibuat ulang)"),
                          (GAGAL, "Gagal")):
        items = summary.of(status)
        if items:
            lines.append(f"  {title}:")
        for o in items:
            extra = f" — {len(o.warnings)} peringatan data" if status == DIBUAT and o.warnings \
                else f" — {o.error}" if status == GAGAL else ""
            lines.append(f"    {o.rid.label()}{extra}")
    if summary.of(GAGAL):
        lines.append("  Perbaiki data yang gagal lalu jalankan lagi; laporan lain tidak terpengaruh. "
                     "Rincian: make check KEC=<kec> TW=<tw> TAHUN=<tahun>.")
    return "\n".join(lines)

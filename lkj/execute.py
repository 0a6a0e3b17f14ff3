"""Running the report notebook: papermill's bookkeeping, executed inside this interpreter.

Most of a report's time used to be a Jupyter kernel starting and importing pandas and
matplotlib a second time (the ``lkj`` process had already imported them). The notebook only
calls ``lkj``, so by default its cells run *in this process*: papermill still reads the
notebook, injects the parameters (the ``injected-parameters`` cell), records per-cell status
and timings and raises ``PapermillExecutionError`` on a failing cell, but its engine is
:class:`InProcessEngine`, which runs each cell in a private IPython shell (the same machinery a
kernel uses: ``display()`` → ``display_data``, last expression → ``execute_result``, prints →
``stream``, exceptions → ``error`` with IPython's traceback). The executed ``.ipynb`` therefore
carries the same outputs as one run by a kernel and stays the audit record.

A separate kernel is still used when cells cannot run here — when ``lkj`` itself runs inside
IPython/Jupyter (an analyst calling the pipeline from a notebook: the cells must not run in
their session), or when ``LKJ_EXECUTOR=kernel`` is set. That kernel is always *this* venv's
interpreter, found through a kernelspec written into the work directory (``JUPYTER_PATH`` is
searched first), never a ``python3`` kernel registered in the user's home.

The report date (``laporan.tanggal``) is recorded in the notebook metadata as
``lkj.source_date_epoch``; :mod:`lkj.render` uses it as SOURCE_DATE_EPOCH (unless the
environment sets one) so the PDF and DOCX carry the report's date, not the build time.
"""

from __future__ import annotations

import atexit
import base64
import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable, NoReturn

from lkj.errors import LkjError

KERNEL_NAME = "lkj-venv"
EXECUTOR_ENV = "LKJ_EXECUTOR"  # "inprocess" (default) or "kernel"
EXECUTORS = ("inprocess", "kernel")


# ---------------------------------------------------------------------------------------
# Kernel of this venv (fallback executor)
# ---------------------------------------------------------------------------------------


def kernel_dir(workdir: Path) -> Path:
    """A kernelspec for *this* interpreter, found before any kernel in the user's home.

    JUPYTER_PATH is searched first by jupyter_client, so the notebook always runs on the venv that
    runs lkj — never on a ``python3`` kernel registered elsewhere.
    """
    spec_dir = Path(workdir) / "jupyter" / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "lkj (venv)", "language": "python",
        # IPYTHONDIR in the work dir: the kernel reads no profile from, and writes none to, ~.
        "env": {"MPLBACKEND": "Agg", "PYTHONHASHSEED": "0",
                "IPYTHONDIR": str(Path(workdir).resolve() / "ipython")},
    }), encoding="utf-8")
    return Path(workdir) / "jupyter"


# ---------------------------------------------------------------------------------------
# Report date → SOURCE_DATE_EPOCH
# ---------------------------------------------------------------------------------------


def report_epoch(processed_dir: Path) -> int | None:
    """Seconds since 1970 at 00:00 UTC of the report's own date (``laporan.tanggal``)."""
    try:
        meta = json.loads((Path(processed_dir) / "ringkasan.json").read_text(encoding="utf-8"))
        day = dt.date.fromisoformat(str(meta["laporan"]["tanggal"])[:10])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp())


# ---------------------------------------------------------------------------------------
# Entry point used by lkj.pipeline.execute
# ---------------------------------------------------------------------------------------


def can_fork() -> bool:
    """Whether this process may fork helpers (a copy of itself with everything imported): on
    Linux. macOS forbids it for some system libraries once they are loaded; Windows has no fork."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def single_threaded_blas() -> None:
    """No OpenBLAS/OpenMP/MKL thread pools, unless the environment asks for them. lkj does no
    linear algebra: numpy's threads would only make forking (the reports of `lkj all`, the
    rebuilds of `lkj watch`) unsafe. Call before numpy is imported."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")


def finish_fork(body: Callable[[], int | None]) -> NoReturn:
    """In a forked child (a report of `lkj all`, or of the standby): run ``body`` and end this
    process as the interpreter would end on it — its exit code, SystemExit's code or message,
    130 after Ctrl+C, 1 with the traceback after anything else — without the parent's cleanup."""
    code = 1
    try:
        code = body() or 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
    except KeyboardInterrupt:
        code = 130
    except BaseException:  # noqa: BLE001 - whatever happens, the fork must end here
        import traceback
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def choose_executor(requested: str | None = None) -> str:
    name = (requested or os.environ.get(EXECUTOR_ENV) or "inprocess").strip().lower()
    if name not in EXECUTORS:
        raise LkjError(f"{EXECUTOR_ENV} tidak dikenal: {name!r}. Pilihan: inprocess, kernel.")
    if name == "inprocess" and _inside_ipython():
        return "kernel"  # never run the report's cells in the caller's own IPython session
    return name


def _inside_ipython() -> bool:
    mod = sys.modules.get("IPython.core.interactiveshell")
    return bool(mod and mod.InteractiveShell.initialized())


def run_notebook(notebook: Path, out: Path, parameters: dict[str, Any], cwd: Path,
                 executor: str | None = None, metadata: dict[str, Any] | None = None) -> Path:
    """Execute ``notebook`` with papermill into ``out`` (cells run with ``cwd`` as working dir).

    Raises ``papermill.exceptions.PapermillExecutionError`` on a failing cell, exactly as
    ``papermill.execute_notebook`` does (the partial notebook is written to ``out`` first).
    """
    import papermill

    _register_engines()
    chosen = choose_executor(executor)
    extra = {"lkj": {"executor": chosen, **(metadata or {})}}
    common = dict(parameters=parameters, kernel_name=KERNEL_NAME, cwd=str(cwd),
                  progress_bar=False, log_output=False, request_save_on_cell_execute=False,
                  lkj_metadata=extra)
    if chosen == "inprocess":
        papermill.execute_notebook(str(notebook), str(out), engine_name="lkj-inprocess", **common)
        return Path(out)
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = os.pathsep.join([str(kernel_dir(Path(cwd))), *filter(None, [old])])
    try:
        papermill.execute_notebook(str(notebook), str(out), engine_name="lkj-kernel",
                                   **common)
    finally:  # scoped: a later report in this process must not find this work dir's spec
        if old is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = old
    return Path(out)


def run_report(root: Path, rid, workdir: Path, engine: str, out: Path, commit: str = "",
               notebook: Path | None = None, executor: str | None = None) -> Path:
    """The report notebook for ``rid`` with the pipeline's parameters."""
    processed = rid.processed_dir(root).resolve()
    # Names, not paths: the notebook finds the project from where it runs (lkj.report), and
    # it is published: a path of the build machine would be published with it.
    params = {"kec": rid.kec, "tahun": rid.tahun, "tw": rid.tw, "unit": rid.unit,
              "figures_dir": "figures", "engine": engine, "commit": commit}
    meta = {}
    epoch = report_epoch(processed)
    if epoch is not None:
        meta["source_date_epoch"] = epoch
    return run_notebook(notebook or Path(root) / "notebooks" / "laporan.ipynb", out, params,
                        workdir, executor=executor, metadata=meta)


# ---------------------------------------------------------------------------------------
# papermill engines
# ---------------------------------------------------------------------------------------

LANGUAGE_INFO = {  # what ipykernel reports in kernel_info (ipykernel.ipkernel.IPythonKernel)
    "name": "python",
    "version": sys.version.split()[0],
    "mimetype": "text/x-python",
    "codemirror_mode": {"name": "ipython", "version": sys.version_info[0]},
    "pygments_lexer": "ipython3",
    "nbconvert_exporter": "python",
    "file_extension": ".py",
}


def _stamp(nb, lkj_metadata: dict | None) -> None:
    for key, value in (lkj_metadata or {}).items():
        nb.metadata[key] = value


def _places() -> list[tuple[str, str]]:
    """(absolute folder of this machine, how it is written in a published notebook), longest
    first: the project, the venv and Python, the home folder, the temporary folder."""
    import tempfile

    from lkj.params import project_root

    places = {str(project_root()): ".", sys.prefix: "<venv>", sys.base_prefix: "<python>",
              str(Path.home()): "~", tempfile.gettempdir(): "<tmp>"}
    places.update({str(Path(k).resolve()): v for k, v in places.items()})
    return sorted(((k, v) for k, v in places.items() if len(k) > 1), key=lambda kv: -len(kv[0]))


def _unpath(text: str, places: list[tuple[str, str]]) -> str:
    import re

    for path, shown in places:
        text = re.sub(re.escape(path) + r"(?![\w.-])", lambda _m, shown=shown: shown, text)
    return text


def scrub(nb) -> None:
    """No path of the build machine in an executed notebook (it is published): papermill's
    input and output paths become file names, and paths in what the cells printed (warnings,
    tracebacks, plain reprs) are written from places every machine has."""
    papermill = nb.metadata.get("papermill") or {}
    for key in ("input_path", "output_path"):
        if papermill.get(key):
            papermill[key] = Path(papermill[key]).name
    places = _places()
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                out["text"] = _unpath(out.get("text", ""), places)
            elif out.get("output_type") == "error":
                out["evalue"] = _unpath(out.get("evalue", ""), places)
                out["traceback"] = [_unpath(line, places) for line in out.get("traceback", [])]
            elif isinstance((out.get("data") or {}).get("text/plain"), str):
                out["data"]["text/plain"] = _unpath(out["data"]["text/plain"], places)


_ENGINES: dict[str, type] = {}


def _register_engines() -> None:
    """Define and register the engines (papermill is imported only when a report runs)."""
    from papermill.engines import Engine, NBClientEngine, papermill_engines

    if not _ENGINES:
        class InProcessEngine(Engine):
            """Run the cells in a fresh IPython shell inside this interpreter."""

            @classmethod
            def execute_managed_notebook(cls, nb_man, kernel_name, lkj_metadata=None, **kwargs):
                _stamp(nb_man.nb, lkj_metadata)
                with _Session() as session:
                    # Same loop as papermill's PapermillNotebookClient.papermill_execute_cells.
                    for index, cell in enumerate(nb_man.nb.cells):
                        try:
                            nb_man.cell_start(cell, index)
                            if cell.cell_type == "code" and not session.run(cell):
                                nb_man.cell_exception(nb_man.nb.cells[index], cell_index=index)
                                break
                        finally:
                            nb_man.cell_complete(nb_man.nb.cells[index], cell_index=index)
                nb_man.nb.metadata["language_info"] = dict(LANGUAGE_INFO)
                scrub(nb_man.nb)
                return nb_man.nb

        class KernelEngine(NBClientEngine):
            """papermill's own engine (a kernel process), plus the lkj metadata."""

            @classmethod
            def execute_managed_notebook(cls, nb_man, kernel_name, lkj_metadata=None, **kwargs):
                _stamp(nb_man.nb, lkj_metadata)
                try:
                    return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
                finally:
                    scrub(nb_man.nb)

        _ENGINES.update({"inprocess": InProcessEngine, "kernel": KernelEngine})
    for name, engine in _ENGINES.items():
        papermill_engines.register(f"lkj-{name}", engine)


# ---------------------------------------------------------------------------------------
# In-process execution
# ---------------------------------------------------------------------------------------


def _json_data(data: dict) -> dict:
    """MIME bundle as a kernel sends it: binary data (PNG, JPEG) base64 encoded."""
    return {mime: base64.b64encode(v).decode("ascii") if isinstance(v, (bytes, bytearray)) else v
            for mime, v in data.items()}


class _Stream:
    """sys.stdout / sys.stderr during a cell: text becomes ``stream`` outputs, in order."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, session: "_Session", name: str):
        self.session, self.name = session, name

    def write(self, text: str) -> int:
        if text:
            self.session.pending(self.name, str(text))
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:  # some libraries probe it; there is no file behind a cell's output
        import io
        raise io.UnsupportedOperation("fileno")

    @property
    def closed(self) -> bool:
        return False


class _Session:
    """One notebook run: a fresh IPython shell whose outputs are collected as nbformat outputs.

    Everything the shell touches globally (the InteractiveShell singleton, sys.modules['__main__'],
    sys.stdout/err, sys.ps1/ps2/ps3, the atexit hook, open pyplot figures) is restored on exit,
    so several reports can be built one after another in the same process without sharing state.
    """

    def __init__(self):
        self.outputs: list | None = None
        self.error = False
        self._stream_name: str | None = None
        self._stream_text: list[str] = []
        self._display_ids: dict[str, list] = {}

    # ---- lifecycle --------------------------------------------------------------------
    def __enter__(self) -> "_Session":
        import tempfile

        from traitlets.config import Config

        self._main = sys.modules.get("__main__")
        # IPython sets the prompts (as a kernel does, for code that asks "interactive?").
        self._prompts = {n: getattr(sys, n) for n in ("ps1", "ps2", "ps3") if hasattr(sys, n)}
        self._ipython_dir = tempfile.TemporaryDirectory(prefix="lkj-ipython-")
        config = Config()
        config.HistoryManager.enabled = False  # no SQLite history file, no saving thread
        # A throw-away IPython dir: no profile or startup file from the user's home runs here.
        self.shell = _shell_class().instance(config=config, ipython_dir=self._ipython_dir.name)
        self.shell.lkj_session = self
        return self

    def __exit__(self, *exc) -> None:
        self._flush_stream()
        shell = self.shell
        try:
            atexit.unregister(shell.atexit_operations)
            shell.history_manager.end_session()
        except Exception:  # noqa: BLE001 - cleanup must not hide the report's own outcome
            pass
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")
        shell.lkj_session = None
        type(shell).clear_instance()  # clears the singleton on our class and its bases
        if self._main is not None:
            sys.modules["__main__"] = self._main
        for name in ("ps1", "ps2", "ps3"):
            if name in self._prompts:
                setattr(sys, name, self._prompts[name])
            elif hasattr(sys, name):
                delattr(sys, name)
        self._ipython_dir.cleanup()

    # ---- outputs ----------------------------------------------------------------------
    def pending(self, name: str, text: str) -> None:
        if self.outputs is None:  # text written outside a cell (e.g. at shell start-up)
            return
        if self._stream_name not in (None, name):
            self._flush_stream()
        self._stream_name = name
        self._stream_text.append(text)

    def _flush_stream(self) -> None:
        if self._stream_text and self.outputs is not None:
            from nbformat.v4 import new_output
            self.outputs.append(new_output("stream", name=self._stream_name,
                                           text="".join(self._stream_text)))
        self._stream_name, self._stream_text = None, []

    def add(self, output_type: str, **fields) -> None:
        from nbformat.v4 import new_output

        if self.outputs is None:
            return
        self._flush_stream()  # like ipykernel: prints before a display come first
        self.outputs.append(new_output(output_type, **fields))

    def display(self, data: dict, metadata: dict | None, transient: dict | None,
                update: bool) -> None:
        display_id = (transient or {}).get("display_id")
        fields = {"data": _json_data(data), "metadata": metadata or {}}
        if update:
            for out in self._display_ids.get(display_id, []):
                out["data"], out["metadata"] = fields["data"], fields["metadata"]
            return
        self.add("display_data", **fields)
        if display_id and self.outputs:
            self._display_ids.setdefault(display_id, []).append(self.outputs[-1])

    def clear(self) -> None:
        if self.outputs is not None:
            self._flush_stream()
            del self.outputs[:]

    # ---- one cell ---------------------------------------------------------------------
    def run(self, cell) -> bool:
        """Execute one code cell; fill its outputs and execution_count. False on error."""
        cell.outputs = []
        self.outputs = cell.outputs
        self.error = False
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = _Stream(self, "stdout"), _Stream(self, "stderr")
        try:
            result = self.shell.run_cell(cell.source, store_history=True, silent=False)
        finally:
            sys.stdout, sys.stderr = saved
            self._flush_stream()
            self.outputs = None
        cell.execution_count = result.execution_count
        if isinstance(result.error_in_exec, KeyboardInterrupt):
            raise KeyboardInterrupt  # Ctrl+C stops the build, as it would stop a kernel's client
        return not (self.error or result.error_before_exec is not None
                    or result.error_in_exec is not None)


_SHELL_CLASS = None


def _shell_class():
    """InteractiveShell whose display, result and traceback channels feed :class:`_Session`."""
    global _SHELL_CLASS
    if _SHELL_CLASS is not None:
        return _SHELL_CLASS
    from IPython.core.display_trap import DisplayTrap
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False,
                    **kwargs):
            session = getattr(self.shell, "lkj_session", None)
            if session is not None:
                session.display(data, metadata, transient, update)

        def clear_output(self, wait=False):
            session = getattr(self.shell, "lkj_session", None)
            if session is not None:
                session.clear()

    class ResultHook(DisplayHook):
        """A cell's last expression → ``execute_result`` (as ipykernel's ZMQShellDisplayHook)."""

        def start_displayhook(self):
            self._bundle = None

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            self._bundle = (format_dict, md_dict or {})

        def finish_displayhook(self):
            session = getattr(self.shell, "lkj_session", None)
            if session is not None and self._bundle and self._bundle[0]:
                session.add("execute_result", data=_json_data(self._bundle[0]),
                            metadata=self._bundle[1], execution_count=self.prompt_count)
            self._bundle = None

    class Shell(InteractiveShell):
        lkj_session = None

        def init_display_pub(self):
            self.display_pub = Publisher(parent=self, shell=self)
            self.configurables.append(self.display_pub)

        def init_displayhook(self):
            self.displayhook = ResultHook(parent=self, shell=self, cache_size=self.cache_size)
            self.configurables.append(self.displayhook)
            self.display_trap = DisplayTrap(hook=self.displayhook)

        def init_virtualenv(self):
            pass  # this interpreter *is* the venv's

        def _showtraceback(self, etype, evalue, stb):
            session = self.lkj_session
            if session is not None:
                session.error = True
                session.add("error", ename=str(etype.__name__), evalue=str(evalue),
                            traceback=list(stb))

    _SHELL_CLASS = Shell
    return Shell

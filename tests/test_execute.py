"""lkj.execute: the report notebook runs inside this interpreter, with papermill's bookkeeping.

The in-process executor must leave the same executed notebook a Jupyter kernel would (outputs,
execution counts, the injected-parameters cell) and fail the same way (PapermillExecutionError
naming the cell), while leaving no trace in the calling process.
"""

import json
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from papermill.exceptions import PapermillExecutionError

from lkj import execute


def _notebook(path, *sources, parameters='x = 1\nlabel = "awal"'):
    cells = [new_markdown_cell("# catatan", id="catatan"),
             new_code_cell(parameters, id="parameter", metadata={"tags": ["parameters"]})]
    cells += [new_code_cell(src, id=f"sel-{i}") for i, src in enumerate(sources, 1)]
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "language": "python",
                                                            "display_name": "Python 3"}})
    nbformat.write(nb, str(path))
    return path


def _run(tmp_path, *sources, executor="inprocess", **params):
    src = _notebook(tmp_path / "in.ipynb", *sources)
    out = tmp_path / "out.ipynb"
    execute.run_notebook(src, out, params or {"x": 2, "label": "dari papermill"}, tmp_path,
                         executor=executor, metadata={"source_date_epoch": 1692748800})
    return json.loads(out.read_text(encoding="utf-8"))


def _outputs(nb):
    """Code cells as (id, count, outputs); papermill gives the injected cell a random id."""
    return [("injected" if "injected-parameters" in c["metadata"].get("tags", []) else c.get("id"),
             c.get("execution_count"), c.get("outputs"))
            for c in nb["cells"] if c["cell_type"] == "code"]


CELLS = (
    'from IPython.display import Markdown, display\ndisplay(Markdown(f"**{label}** {x}"))',
    'print("satu"); print("dua")\nimport sys; print("galat", file=sys.stderr)',
    "x * 21",
    'open("berkas.txt", "w").write("di cwd")',
)


def test_outputs_are_those_a_kernel_would_record(tmp_path):
    nb = _run(tmp_path, *CELLS)
    cells = {c.get("id"): c for c in nb["cells"]}
    injected = [c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert len(injected) == 1 and 'label = "dari papermill"' in "".join(injected[0]["source"])
    md = cells["sel-1"]["outputs"][0]
    assert md["output_type"] == "display_data"
    assert "".join(md["data"]["text/markdown"]) == "**dari papermill** 2"
    assert [o["name"] for o in cells["sel-2"]["outputs"]] == ["stdout", "stderr"]
    assert "".join(cells["sel-2"]["outputs"][0]["text"]) == "satu\ndua\n"
    result = cells["sel-3"]["outputs"][0]
    assert result["output_type"] == "execute_result" and "".join(result["data"]["text/plain"]) == "42"
    assert result["execution_count"] == cells["sel-3"]["execution_count"]
    assert [c["execution_count"] for c in nb["cells"] if c["cell_type"] == "code"] == [1, 2, 3, 4, 5, 6]
    assert (tmp_path / "berkas.txt").read_text() == "di cwd"  # cells run in the work directory
    assert nb["metadata"]["lkj"] == {"executor": "inprocess", "source_date_epoch": 1692748800}
    assert nb["metadata"]["papermill"]["parameters"] == {"x": 2, "label": "dari papermill"}
    assert nb["metadata"]["language_info"]["name"] == "python"


def test_failing_cell_raises_papermill_error_and_keeps_partial_notebook(tmp_path):
    with pytest.raises(PapermillExecutionError) as err:
        _run(tmp_path, "y = 1", "1 / 0", "z = 3")
    assert err.value.ename == "ZeroDivisionError"
    nb = json.loads((tmp_path / "out.ipynb").read_text(encoding="utf-8"))
    failed = next(c for c in nb["cells"] if c.get("id") == "sel-2")
    assert failed["execution_count"] == err.value.exec_count
    assert failed["outputs"][-1]["output_type"] == "error"
    assert failed["metadata"]["papermill"]["status"] == "failed"
    later = next(c for c in nb["cells"] if c.get("id") == "sel-3")
    assert later["execution_count"] is None  # execution stopped at the failing cell


def test_syntax_error_is_a_failing_cell_too(tmp_path):
    with pytest.raises(PapermillExecutionError) as err:
        _run(tmp_path, "def (:")
    assert err.value.ename == "SyntaxError"


def test_nothing_leaks_into_the_calling_process(tmp_path):
    from IPython.core.interactiveshell import InteractiveShell

    main, out, errs = sys.modules["__main__"], sys.stdout, sys.stderr
    interactive = hasattr(sys, "ps1")
    _run(tmp_path, "rahasia = 7")
    assert sys.modules["__main__"] is main and sys.stdout is out and sys.stderr is errs
    assert hasattr(sys, "ps1") == interactive
    assert not InteractiveShell.initialized()
    nb = _run(tmp_path, "print('rahasia' in dir())")  # a second run starts from a clean namespace
    assert "".join(nb["cells"][-1]["outputs"][0]["text"]) == "False\n"


def test_inside_ipython_the_cells_go_to_a_kernel_not_to_the_callers_session(monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell

    monkeypatch.setattr(InteractiveShell, "initialized", classmethod(lambda cls: True))
    assert execute.choose_executor() == "kernel"
    monkeypatch.setenv(execute.EXECUTOR_ENV, "kernel")
    monkeypatch.setattr(InteractiveShell, "initialized", classmethod(lambda cls: False))
    assert execute.choose_executor() == "kernel"
    monkeypatch.setenv(execute.EXECUTOR_ENV, "inprocess")
    assert execute.choose_executor() == "inprocess"


def test_unknown_executor_is_refused_in_indonesian(monkeypatch):
    monkeypatch.setenv(execute.EXECUTOR_ENV, "cepat")
    with pytest.raises(execute.LkjError, match="tidak dikenal"):
        execute.choose_executor()


def test_report_epoch_is_midnight_utc_of_the_report_date(tmp_path):
    (tmp_path / "ringkasan.json").write_text(json.dumps({"laporan": {"tanggal": "2023-08-23"}}))
    # 2023-08-23 is day 19592 after 1970-01-01 (19592 × 86400 = 1692748800).
    assert execute.report_epoch(tmp_path) == 19592 * 86400
    assert execute.report_epoch(tmp_path / "tidak-ada") is None


def test_kernelspec_is_this_interpreter_and_stays_out_of_home(tmp_path):
    spec = json.loads((execute.kernel_dir(tmp_path) / "kernels" / execute.KERNEL_NAME
                       / "kernel.json").read_text())
    assert spec["argv"][0] == sys.executable
    assert spec["env"]["IPYTHONDIR"].startswith(str(tmp_path.resolve()))


@pytest.mark.slow
def test_kernel_executor_records_the_same_outputs(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    here = _run(tmp_path / "a", *CELLS[:3])
    kernel = _run(tmp_path / "b", *CELLS[:3], executor="kernel")
    assert _outputs(here) == _outputs(kernel)
    assert kernel["metadata"]["lkj"]["executor"] == "kernel"

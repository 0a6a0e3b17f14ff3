"""One pipeline stage in a fresh interpreter, as `lkj` runs it; prints {"seconds": …} as JSON.

    python bench/stage.py <project> <stage> <engine> <workdir>

stage: validate | process | execute | html | pdf | docx | render (the three formats together).
The clock covers the stage itself, including the imports it triggers (a fresh `lkj render`
imports papermill, pandas and matplotlib too), but not the interpreter's own start-up.
``execute`` leaves the executed notebook and its figures in <workdir> for the render stages.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    project, stage, engine, workdir = Path(argv[0]), argv[1], argv[2], Path(argv[3])
    os.environ["LKJ_ROOT"] = str(project)
    from lkj import params, pipeline

    rid = params.resolve(project, "candipuro", 2, 2023, "camat")
    started = time.perf_counter()
    if stage == "validate":
        from lkj.validation import check
        check(project, rid)
    elif stage == "process":
        pipeline.process(project, rid)
    elif stage == "execute":
        workdir.mkdir(parents=True, exist_ok=True)
        pipeline.execute(project, rid, workdir, engine)
    else:
        from lkj import render
        formats = ("html", "pdf", "docx") if stage == "render" else (stage,)
        render.render(workdir / f"{rid.slug}.ipynb", workdir / "out", rid.slug, formats=formats,
                      engine=engine, project_root=project)
    print(json.dumps({"seconds": time.perf_counter() - started}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

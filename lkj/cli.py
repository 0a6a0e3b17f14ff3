"""Command line: ``lkj check|process|render|report``. Messages in Bahasa Indonesia; a bad input
ends with a clear message and exit code 1, never a traceback."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import signal
import sys
import traceback
from contextlib import contextmanager
from pathlib import Path

from lkj.errors import LkjError, ValidationError, rel

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
DEBUG_ENV = "LKJ_DEBUG"  # LKJ_DEBUG=1 shows the Python traceback of an unexpected error
# Commands that replace files: they first clean up what a killed run left (lkj/publish.py).
WRITING = ("process", "render", "report", "all", "rekap", "portal")

# argparse's own messages, in the words the analyst reads.
_USAGE_WORDS = (
    (r"the following arguments are required: (.*)", r"argumen wajib belum diisi: \1"),
    (r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)",
     r"nilai \2 untuk \1 tidak dikenal; pilih salah satu: \3"),
    (r"unrecognized arguments: (.*)", r"argumen tidak dikenal: \1"),
    (r"argument (\S+): expected one argument", r"\1 perlu diberi nilai"),
    (r"invalid choice: (.*?) \(choose from (.*)\)", r"perintah \1 tidak dikenal; pilih: \2"),
)


class _Parser(argparse.ArgumentParser):
    """argparse that reports a wrong command line in Bahasa Indonesia (exit code 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        for pattern, words in _USAGE_WORDS:
            message = re.sub(pattern, words, message)
        message = message.replace("untuk command ", "untuk perintah ")
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"Perintah tidak lengkap atau salah: {message}\n"
                  "Contoh: lkj check --kec candipuro --tw 2\n")


def _report_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--kec", required=True, help="nama folder kecamatan di data/raw/, mis. candipuro")
    p.add_argument("--tw", required=True, help="triwulan 1–4")
    p.add_argument("--tahun", default="", help="tahun (bawaan: tahun terakhir yang ada datanya)")
    p.add_argument("--unit", default="", help="unit pelapor (bawaan: camat)")


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="lkj", description="Laporan Kinerja kecamatan dari data.")
    sub = p.add_subparsers(dest="command", required=True)
    for name, help_text in (("check", "periksa semua data masukan tanpa membuat laporan"),
                            ("process", "periksa data lalu tulis tabel olahan ke data/processed/"),
                            ("render", "jalankan notebook dan render dari data/processed/"),
                            ("report", "process + render: buat laporan lengkap")):
        sp = sub.add_parser(name, help=help_text)
        _report_args(sp)
        if name in ("render", "report"):
            sp.add_argument("--engine", default="auto", choices=("auto", "quarto", "embedded"),
                            help="mesin render (bawaan: auto = Quarto bila terpasang)")
            sp.add_argument("--portal", action="store_true",
                            help="perbarui juga reports/index.html sesudah laporan selesai")
            sp.add_argument("--formats", default="html,pdf,docx",
                            help="format keluaran dipisah koma (bawaan: html,pdf,docx)")
            # lkj all and lkj watch: the Outcome as JSON in this file (lkj.pipeline.Outcome)
            sp.add_argument("--hasil", default="", help=argparse.SUPPRESS)
    from lkj.cli_kabupaten import add_commands
    add_commands(sub)  # init, template, all, portal, rekap, synth
    return p


def _print_warnings(warnings: list[str]) -> None:
    for w in warnings:
        print(f"  Peringatan: {w}")
    if warnings:
        print("  (peringatan juga dicantumkan di lampiran jejak audit laporan)")


def main(argv: list[str] | None = None) -> int:
    """``lkj …`` (argv None: the command line)."""
    if argv is not None:
        return _main(argv)
    code = _main(sys.argv[1:])
    try:  # `lkj … | head`: a reader gone is no failure of lkj's (Python's SIGPIPE recipe)
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return code


def _main(argv: list[str]) -> int:
    from lkj.execute import single_threaded_blas
    single_threaded_blas()
    args = parser().parse_args(argv)
    from lkj import params, publish

    root = params.project_root()
    publish.published.clear()
    stopped_by: list[int] = []
    args.outcome = None
    try:
        with _signals_stop(stopped_by):
            if args.command in WRITING:
                publish.recover(root)
            from lkj import cli_kabupaten
            if args.command in cli_kabupaten.COMMANDS:
                return cli_kabupaten.run(args, root)
            return _run(args, root)
    except KeyboardInterrupt:
        _fail(args, f"Dibatalkan. {publish.outcome(root)}")
        return (128 + stopped_by[0]) if stopped_by else EXIT_INTERRUPTED
    except Exception as exc:  # a bug, not a bad input: a clear message, the details kept in a file
        disk = publish.problem(exc, root)
        if disk:
            _fail(args, f"Gagal: {disk}")
            return EXIT_FAIL
        if os.environ.get(DEBUG_ENV):
            raise
        saved = _save_traceback(root)
        _fail(args, "Gagal: terjadi kesalahan tak terduga di perangkat lunak lkj (bukan kesalahan "
              f"data yang dikenali). {publish.outcome(root)} "
              + (f"Rincian teknis disimpan di {rel(saved, root)}; kirimkan berkas itu kepada "
                 "pengelola lkj." if saved else f"Jalankan lagi dengan {DEBUG_ENV}=1 untuk "
                 "melihat rinciannya."))
        return EXIT_FAIL
    finally:
        if getattr(args, "hasil", "") and args.outcome is not None:  # as data, whatever happened
            args.outcome.save(Path(args.hasil))


def _fail(args: argparse.Namespace, message: str) -> None:
    """Say why the command failed; a report's Outcome says the same."""
    from lkj.pipeline import GAGAL, Outcome

    print(message, file=sys.stderr)
    if args.outcome is None or args.outcome.status != GAGAL:
        args.outcome = Outcome(None, GAGAL, [message.removeprefix("Gagal: ")], message=message)


@contextmanager
def _signals_stop(stopped_by: list[int]):
    """SIGTERM and SIGHUP (kill, a closed terminal) stop lkj as Ctrl+C does: the run cleans up
    after itself and says so, instead of vanishing mid-step."""
    def stop(signum, _frame):
        stopped_by.append(signum)
        raise KeyboardInterrupt

    saved = {}
    for name in ("SIGTERM", "SIGHUP"):
        try:
            saved[name] = signal.signal(getattr(signal, name), stop)
        except (AttributeError, ValueError):  # no such signal here, or not the main thread
            pass
    try:
        yield
    finally:
        for name, handler in saved.items():
            signal.signal(getattr(signal, name), signal.SIG_DFL if handler is None else handler)


def _save_traceback(root: Path) -> Path | None:
    try:
        path = root / "build" / "gagal" / "galat-terakhir.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{dt.datetime.now().isoformat(timespec='seconds')} lkj "
                        f"{' '.join(sys.argv[1:])}\n\n{traceback.format_exc()}", encoding="utf-8")
        return path
    except OSError:
        return None


def _run(args: argparse.Namespace, root: Path) -> int:
    from lkj import params, pipeline

    try:
        rid = params.resolve(root, args.kec, args.tw, args.tahun or None, args.unit or None)
        if args.command == "check":
            from lkj.process import build
            result = build(root, rid)  # what process checks, images and templates included
            print(f"OK: data {rid.label()} valid ({len(result.meta['files'])} berkas diperiksa; "
                  "tidak ada laporan yang dibuat atau diubah).")
            _print_warnings(result.meta["warnings"])
            return EXIT_OK
        if args.command == "process":
            result = pipeline.process(root, rid)
            print(f"Data olahan ditulis ke {rel(rid.processed_dir(root), root)}/")
            _print_warnings(result.meta["warnings"])
            return EXIT_OK
        formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
        bad = [f for f in formats if f not in pipeline.FORMATS]
        if bad:
            raise LkjError(f"Format tidak dikenal: {', '.join(bad)}. Pilih dari html, pdf, docx.")
    except ValidationError as exc:
        full = root / "build" / "gagal" / f"masalah-{rid.slug}.txt"  # when too many to print
        exc.save(full, rel(full, root))
        print(str(exc), file=sys.stderr)
        print("Perbaiki berkas-berkas di atas, lalu periksa lagi." if args.command == "check"
              else "Laporan tidak dibuat; laporan lama (bila ada) tidak diubah.", file=sys.stderr)
        return EXIT_FAIL
    except LkjError as exc:
        _fail(args, f"Gagal: {exc}")
        return EXIT_FAIL
    outcome = args.outcome = pipeline.build_report(root, rid, args.engine, formats,
                                                   from_raw=args.command == "report")
    _print_warnings(outcome.warnings)
    if outcome.status == pipeline.GAGAL:
        print(outcome.message, file=sys.stderr)
        return EXIT_FAIL
    print(f"Laporan {rid.label()} selesai dalam {outcome.seconds:.1f} detik:")
    files = outcome.files
    for key in (*formats, "ipynb", *(k for k in files if k.startswith("jejak-audit"))):
        if key in files:
            print(f"  {rel(Path(files[key]), root)}")
    if args.portal:
        from lkj import portal
        print(f"Portal diperbarui: {rel(portal.write(root), root)}")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

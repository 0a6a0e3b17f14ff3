"""Kabupaten-level commands of ``lkj``: init, template, impor, all, portal, rekap, synth, watch.

Registered by :func:`lkj.cli.parser` and dispatched by :func:`lkj.cli.main`; kept here so the
per-report commands in cli.py stay as they are. Messages in Bahasa Indonesia; exit code 0 on
success, 1 on a failure the user can fix (the message says how).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lkj.errors import LkjError, ValidationError, rel

COMMANDS = ("init", "template", "impor", "all", "portal", "rekap", "synth", "watch")
EXIT_OK, EXIT_FAIL = 0, 1


def add_commands(sub) -> None:
    engine = dict(default="auto", choices=("auto", "quarto", "embedded"),
                  help="mesin render (bawaan: auto = Quarto bila terpasang)")
    for name, help_text in (
            ("init", "siapkan folder masukan triwulan baru (CSV), tanpa menimpa berkas yang ada"),
            ("template", "tulis satu buku kerja XLSX masukan (satu lembar per tabel)")):
        sp = sub.add_parser(name, help=help_text)
        sp.add_argument("--kec", required=True, help="kecamatan: folder yang ada, nama (mis. "
                                                     "candipuro) atau kode Kemendagri (35.08.03)")
        sp.add_argument("--kab", default="", help="kabupaten/kota bila nama kecamatan ada di "
                                                  "beberapa kabupaten, mis. lumajang atau 35.08")
        sp.add_argument("--tahun", default="", help="tahun triwulan baru, mis. 2023")
        sp.add_argument("--tw", required=True, help="triwulan 1–4")
        sp.add_argument("--unit", default="", help="unit pelapor (bawaan: camat)")
        if name == "template":
            sp.add_argument("--keluar", default="",
                            help="tulis ke berkas ini (bawaan: masukan.xlsx di folder triwulan)")
    sp = sub.add_parser("impor", help="impor anggaran.csv dari ekspor realisasi SIPD-RI/SIMDA "
                                      "(XLSX atau CSV)")
    sp.add_argument("jenis", choices=("anggaran",), help="yang diimpor: anggaran")
    sp.add_argument("berkas", help="berkas ekspor, mis. realisasi-sub-kegiatan.xlsx")
    sp.add_argument("--kec", required=True, help="nama folder kecamatan, mis. candipuro")
    sp.add_argument("--tahun", required=True, help="tahun, mis. 2023")
    sp.add_argument("--tw", required=True, help="triwulan 1–4")
    sp.add_argument("--unit", default="", help="unit pelapor (bawaan: camat)")
    sp.add_argument("--sub-unit", default="", help="sub unit yang diambil bila berkas memuat "
                                                   "beberapa (kode atau nama)")
    sp = sub.add_parser("all", help="buat semua laporan satu triwulan, paralel")
    sp.add_argument("--tw", required=True, help="triwulan 1–4")
    sp.add_argument("--tahun", default="", help="tahun (bawaan: tahun terakhir yang ada datanya)")
    sp.add_argument("--engine", **engine)
    sp.add_argument("--formats", default="html,pdf,docx", help="format keluaran dipisah koma")
    sp.add_argument("--jobs", default="", help="jumlah laporan yang dibuat bersamaan (bawaan: "
                                               "jumlah inti prosesor)")
    sp.add_argument("--paksa", action="store_true", help="buat ulang walaupun sudah mutakhir")
    sub.add_parser("portal", help="tulis ulang reports/index.html (daftar semua laporan)")
    sp = sub.add_parser("rekap", help="rekap kabupaten: bandingkan semua kecamatan satu triwulan")
    sp.add_argument("--tw", required=True, help="triwulan 1–4")
    sp.add_argument("--tahun", default="", help="tahun (bawaan: tahun terakhir yang ada datanya)")
    sp.add_argument("--engine", **engine)
    sp.add_argument("--formats", default="html,pdf", help="format keluaran (bawaan: html,pdf)")
    sp.add_argument("--kab", default="", help="satu kabupaten (berkas aturannya, mis. lumajang; "
                                              "bawaan: setiap kabupaten yang punya data)")
    sp = sub.add_parser("watch", help="bangun ulang laporan setiap kali datanya disimpan dan "
                                      "tampilkan di peramban")
    sp.add_argument("--kec", required=True, help="nama folder kecamatan, mis. candipuro")
    sp.add_argument("--tw", required=True, help="triwulan 1–4")
    sp.add_argument("--tahun", default="", help="tahun (bawaan: tahun terakhir yang ada datanya)")
    sp.add_argument("--unit", default="", help="unit pelapor (bawaan: camat)")
    sp.add_argument("--engine", **engine)
    sp.add_argument("--formats", default="html,pdf,docx", help="format keluaran dipisah koma")
    sp.add_argument("--port", default="8040", help="port di 127.0.0.1 (bawaan: 8040; 0 = bebas)")
    sp = sub.add_parser("synth", help="tulis data contoh/sintetis untuk peragaan dan pengujian")
    sp.add_argument("--kec", required=True,
                    help="kecamatan dipisah koma, mis. pasirian,tempeh; atau 'semua'")
    sp.add_argument("--kab", default="", help="kabupaten (berkas aturannya, mis. contoh; "
                                              "bawaan: kabupaten bawaan)")
    sp.add_argument("--tahun", default="2023", help="tahun (bawaan: 2023)")
    sp.add_argument("--tw", default="1,2,3,4", help="triwulan dipisah koma (bawaan: 1,2,3,4)")
    sp.add_argument("--seed", default="1", help="benih acak; benih sama → berkas sama (bawaan: 1)")


def _formats(text: str, allowed=("html", "pdf", "docx")) -> tuple[str, ...]:
    formats = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    bad = [f for f in formats if f not in allowed]
    if bad or not formats:
        raise LkjError(f"Format tidak dikenal: {', '.join(bad) or '(kosong)'}. "
                       f"Pilih dari {', '.join(allowed)}.")
    return formats


def _int(text: str, what: str) -> int:
    try:
        value = int(str(text).strip())
    except ValueError:
        raise LkjError(f"{what} harus bilangan bulat, bukan {text!r}.") from None
    return value


def run(args: argparse.Namespace, root: Path) -> int:
    try:
        return _dispatch(args, Path(root))
    except ValidationError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_FAIL
    except LkjError as exc:
        print(f"Gagal: {exc}", file=sys.stderr)
        return EXIT_FAIL


def _dispatch(args: argparse.Namespace, root: Path) -> int:
    if args.command == "init":
        from lkj import scaffold
        hasil = scaffold.init(root, args.kec, args.tahun, args.tw, args.unit or None, args.kab)
        print(scaffold.describe(hasil, root))
        return EXIT_OK
    if args.command == "template":
        from lkj import scaffold
        keluar = Path(args.keluar).resolve() if args.keluar else None
        path, hasil = scaffold.template(root, args.kec, args.tahun, args.tw, args.unit or None,
                                        keluar, args.kab)
        print(f"Buku kerja ditulis: {rel(path, root)}")
        print(scaffold.describe(hasil, root, ekspor=keluar is not None))
        return EXIT_OK
    if args.command == "impor":
        from lkj import impor
        hasil = impor.impor_anggaran(root, Path(args.berkas).resolve(), args.kec, args.tahun,
                                     args.tw, args.unit or None, args.sub_unit)
        print(impor.describe(hasil, root))
        return EXIT_OK
    if args.command == "all":
        from lkj import batch, portal
        jobs = _int(args.jobs, "--jobs") if args.jobs else None
        summary = batch.run(root, args.tw, args.tahun or None, args.engine,
                            _formats(args.formats), jobs, args.paksa)
        print(f"Portal diperbarui: {rel(portal.write(root), root)}")
        return EXIT_OK if summary.ok else EXIT_FAIL
    if args.command == "portal":
        from lkj import portal
        print(f"Portal diperbarui: {rel(portal.write(root), root)}")
        return EXIT_OK
    if args.command == "rekap":
        from lkj import rekap
        from lkj.params import parse_tw, year
        tw = parse_tw(args.tw)
        tahun = year(root, tw, args.tahun)
        kabs = [args.kab] if args.kab else [a.slug for a in rekap.kabupaten_with_data(
            root, tahun, tw)]
        for kab in kabs:
            placed = rekap.build(root, tw, tahun, args.engine, _formats(args.formats), kab)
            print(f"Rekap kabupaten selesai ({kab}):")
            for key in ("html", "pdf", "docx", "ipynb"):
                if key in placed:
                    print(f"  {rel(placed[key], root)}")
        print(f"Portal diperbarui: {rel(root / 'reports' / 'index.html', root)}")
        return EXIT_OK
    if args.command == "watch":
        from lkj import params, watch
        rid = params.resolve(root, args.kec, args.tw, args.tahun or None, args.unit or None)
        return watch.watch(root, rid, args.engine, _formats(args.formats),
                           _int(args.port, "--port"))
    if args.command == "synth":
        from lkj import synth
        from lkj.params import parse_tahun, parse_tw
        kecs = synth.parse_kecamatan(args.kec, root, args.kab)
        tws = [parse_tw(t) for t in str(args.tw).split(",") if t.strip()]
        written = synth.synth(root, kecs, parse_tahun(args.tahun), tws, _int(args.seed, "--seed"),
                              skip_real=args.kec.strip().lower() == "semua", kab=args.kab)
        print(f"Data {synth.LABEL} (seed {args.seed}) untuk {len(written)} kecamatan, "
              f"tahun {args.tahun}, triwulan {', '.join(map(str, tws))}:")
        for kec, files in written.items():
            print(f"  data/raw/{kec}/: {len(files)} berkas ditulis atau diperbarui"
                  + ("" if files else " (sudah sama, tidak diubah)"))
        skipped = [k for k in kecs if k not in written]
        if skipped:
            print("  Dilewati (berisi data sebenarnya): " + ", ".join(skipped))
        print("Setiap keluaran dari data ini diberi label 'data contoh/sintetis'. Hapus folder "
              "kecamatannya untuk membuangnya.")
        return EXIT_OK
    raise LkjError(f"perintah tidak dikenal: {args.command}")  # pragma: no cover

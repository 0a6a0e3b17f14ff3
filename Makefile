# lkj — Laporan Kinerja kecamatan. Main commands (see README.md):
#   make report KEC=candipuro TW=2 [TAHUN=2023] [UNIT=camat] [ENGINE=auto|quarto|embedded]
#   make check  KEC=candipuro TW=2
#   make test
# Make knows the dependency graph: raw data → data/processed → reports/. A second `make report`
# with nothing changed does nothing; touching one raw file rebuilds that report only.

SHELL := /bin/bash
# No built-in rules: make would otherwise look for a way to make each input (RCS, SCCS, …),
# two thirds of a `make report` that has nothing to do.
MAKEFLAGS += --no-builtin-rules
.SUFFIXES:
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
LKJ := $(VENV)/bin/lkj
VENV_OK := $(VENV)/.lkj-installed
# lkj's bytecode, compiled by make (below) only in lkj's own checkout
BYTECODE := $(if $(wildcard lkj/__init__.py),lkj/__pycache__/.lkj-compiled)
READY := $(VENV_OK) $(BYTECODE)

KEC ?=
TW ?=
UNIT ?= camat
ENGINE ?= auto
FORMATS ?= html,pdf,docx

# Parameters become file names and shell words below, so anything but a plain name (lower-case
# letters, digits, - _ and ,) stops make here, unexpanded, before a rule or the shell sees it.
_SAFE := a b c d e f g h i j k l m n o p q r s t u v w x y z 0 1 2 3 4 5 6 7 8 9 - _ ,
_unsafe = $(if $(2),$(call _unsafe,$(subst $(firstword $(2)),,$(1)),$(wordlist 2,$(words $(2)),$(2))),$(1))
_PARAM_ERROR = tidak valid: pakai huruf kecil, angka, - atau _ saja (contoh: make report KEC=candipuro TW=2)
$(foreach v,TW UNIT ENGINE FORMATS REKAP_FORMATS JOBS PORT $(if $(filter undefined file default,$(origin TAHUN)),,TAHUN),$(if $(strip $(call _unsafe,$(value $(v)),$(_SAFE)))$(word 2,$(value $(v))),$(error $(v) $(_PARAM_ERROR))))
# KEC and KAB may also be a Kemendagri code (make init KEC=35.09.01 KAB=35.09): dots, but only
# after a leading digit and never "..", so no value becomes a path out of data/raw/.
$(foreach v,KEC KAB,$(if $(strip $(call _unsafe,$(value $(v)),$(_SAFE) .))$(word 2,$(value $(v)))$(findstring ..,$(value $(v)))$(if $(findstring .,$(value $(v))),$(if $(filter 0% 1% 2% 3% 4% 5% 6% 7% 8% 9%,$(value $(v))),,x)),$(error $(v) $(_PARAM_ERROR))))

# TAHUN defaults to the latest year that has data for this kecamatan, unit and quarter.
TAHUN ?= $(lastword $(sort $(foreach d,$(wildcard data/raw/$(KEC)/*/$(UNIT)/tw$(TW)),$(word 4,$(subst /, ,$(d))))))

PROC_DIR := data/processed/$(KEC)/$(TAHUN)/$(UNIT)/tw$(TW)
_comma := ,
SLUG := lkj-$(KEC)-$(TAHUN)-tw$(TW)-$(UNIT)
OUT := reports/$(KEC)/$(TAHUN)/tw$(TW)/$(SLUG)
# The report's inputs, as lkj lists them (lkj/layout.py) in a fragment it writes when it builds
# (gcc -MD): LKJ_INPUTS. Not built here yet, or build/ deleted: no fragment, so build it.
DEPS := build/deps/$(SLUG)
-include $(DEPS).mk
# The settings asked for, in a stamp rewritten only when they change (here and by lkj): a report
# built by another engine or with other formats is built again. auto = quarto when on PATH.
_ENGINE := $(if $(filter auto,$(ENGINE)),$(if $(wildcard $(addsuffix /quarto,$(subst :, ,$(PATH)))),quarto,embedded),$(ENGINE))
_SETTINGS := engine=$(_ENGINE) formats=$(FORMATS)
ifneq ($(filter report,$(MAKECMDGOALS)),)
ifneq ($(TAHUN),)
ifneq ($(file <$(DEPS).settings),$(_SETTINGS))
ifeq ($(findstring n,$(firstword -$(MAKEFLAGS)))$(findstring q,$(firstword -$(MAKEFLAGS))),)
$(shell mkdir -p build/deps)$(file >$(DEPS).settings,$(_SETTINGS))
else
LKJ_INPUTS += FORCE
endif
endif
endif
endif
REPORT_ARGS = --kec "$(KEC)" --tw "$(TW)" --tahun "$(TAHUN)" --unit "$(UNIT)"

.PHONY: help report check test bench clean venv init all rekap portal watch FORCE
.DEFAULT_GOAL := help

help:
	@echo "Perintah utama:"
	@echo "  make report KEC=candipuro TW=2   buat laporan (HTML, PDF, DOCX) di reports/"
	@echo "  make check  KEC=candipuro TW=2   periksa data masukan saja"
	@echo "  make watch  KEC=candipuro TW=2   bangun ulang setiap kali data disimpan (peramban)"
	@echo "  make test                        jalankan semua uji"
	@echo "  make init KEC=candipuro TAHUN=2023 TW=3   siapkan folder masukan triwulan baru"
	@echo "  make init KEC=35.09.01 TAHUN=2024 TW=1    kecamatan mana pun di Indonesia (kode/nama [KAB=…])"
	@echo "  make all TW=2 [TAHUN=2023]       buat semua laporan satu triwulan (paralel)"
	@echo "  make rekap TW=2 [TAHUN=2023] [KAB=contoh]   rekap kabupaten (HTML, PDF)"
	@echo "  make portal                      tulis ulang reports/index.html"

# The venv bootstraps itself: created when missing, reinstalled when pyproject/constraints change.
$(VENV_OK): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Perlu Python 3.11 atau lebih baru (PYTHON=$(PYTHON))." >&2; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	@touch $@

# lkj is installed editable, so pip compiles no bytecode for it; where Python may not write its
# own (PYTHONDONTWRITEBYTECODE, set on some CI machines) every `lkj` run would compile the whole
# package again (≈0,4 s). Compiled here once, and again when a module changes.
ifneq ($(BYTECODE),)
$(BYTECODE): $(wildcard lkj/*.py lkj/render/*.py) | $(VENV_OK)
	@$(PY) -m compileall -q lkj
	@mkdir -p $(@D) && touch $@
endif

venv: $(READY)

define need_params
	@if [ -z "$(KEC)" ] || [ -z "$(TW)" ]; then \
	  echo "Sebutkan kecamatan dan triwulan, contoh: make $(1) KEC=candipuro TW=2" >&2; exit 2; fi
endef

check: $(READY)
	$(call need_params,check)
	@$(LKJ) check $(REPORT_ARGS)

ifeq ($(TAHUN),)
report: $(READY)
	$(call need_params,report)
	@$(LKJ) report $(REPORT_ARGS)   # reports the missing data folder in plain words
else
# Every format asked for: a report whose PDF was deleted is built again.
report: $(addprefix $(OUT).,$(subst $(_comma), ,$(FORMATS))) \
        $(addprefix $(OUT)-jejak-audit.,$(filter html pdf,$(subst $(_comma), ,$(FORMATS))))
endif

# One `lkj report` process validates, writes data/processed, renders and refreshes the portal
# (one interpreter start instead of three). Nothing changed → this rule does not run.
$(PROC_DIR)/ringkasan.json $(OUT).html $(OUT).pdf $(OUT).docx $(OUT)-jejak-audit.html $(OUT)-jejak-audit.pdf &: $(or $(LKJ_INPUTS),FORCE) $(DEPS).settings | $(READY)
	$(call need_params,report)
	@$(LKJ) report $(REPORT_ARGS) --engine "$(ENGINE)" --formats "$(FORMATS)" --portal
# lkj owns the outcome: it replaces these only as a complete set. Without this, make deletes
# them when the run is interrupted or killed (the old report, or the new one just published).
.PRECIOUS: $(PROC_DIR)/ringkasan.json $(OUT).html $(OUT).pdf $(OUT).docx \
           $(OUT)-jejak-audit.html $(OUT)-jejak-audit.pdf
# Written above; missing only under make -n/-q, where the report counts as stale.
$(DEPS).settings: ;
FORCE:

# The edit loop: rebuilt whenever an input is saved, shown at http://127.0.0.1:$(PORT)/.
PORT ?= 8040
watch: $(READY)
	$(call need_params,watch)
	@$(LKJ) watch $(REPORT_ARGS) --engine "$(ENGINE)" --formats "$(FORMATS)" --port "$(PORT)"

# ---- whole kabupaten (README: "Satu triwulan untuk seluruh kabupaten") --------------------
JOBS ?=
REKAP_FORMATS ?= html,pdf

init: $(READY)
	$(call need_params,init)
	@$(LKJ) init --kec "$(KEC)" --tahun "$(TAHUN)" --tw "$(TW)" --unit "$(UNIT)" $(if $(KAB),--kab "$(KAB)")

# Each report is its own `lkj report` process; reports already up to date are skipped.
all: $(READY)
	@if [ -z "$(TW)" ]; then echo "Sebutkan triwulan, contoh: make all TW=2 [TAHUN=2023]" >&2; exit 2; fi
	@$(LKJ) all --tw "$(TW)" --tahun "$(TAHUN)" --engine "$(ENGINE)" --formats "$(FORMATS)" $(if $(JOBS),--jobs "$(JOBS)")

rekap: $(READY)
	@if [ -z "$(TW)" ]; then echo "Sebutkan triwulan, contoh: make rekap TAHUN=2023 TW=2" >&2; exit 2; fi
	@$(LKJ) rekap --tw "$(TW)" --tahun "$(TAHUN)" --engine "$(ENGINE)" --formats "$(REKAP_FORMATS)" $(if $(KAB),--kab "$(KAB)")

portal: $(READY)
	@$(LKJ) portal

test: $(READY)
	@$(PY) -m ruff check --quiet lkj tests bench
	@$(PY) -m pytest $(PYTEST_ARGS)

# Timings, memory and reproducibility → bench/results.md (~9 min on 2 cores; BENCH_ARGS=--help).
bench: $(READY)
	@$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf build data/processed/*/ reports/*/

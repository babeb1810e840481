# policysim: the two commands are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
EXTRAS := notebooks,sensitivity,dask,app,dev

.PHONY: demo test lab app bench claims venv clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[$(EXTRAS)]"
	$(PY) -m policysim.report.kernel >/dev/null   # kernel.json says "python": survives a move
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/policysim report scenarios/baseline.yaml -p reps 6 -p days 365

test: $(STAMP)
	@command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || \
	  echo "NOTE: no chromium binary: the browser tests of the what-if page (tests/app) are SKIPPED (apt-get install chromium)"
	@# worksteal: an idle worker takes tests queued on the other; tests/conftest.py puts the slow first
	$(PY) -m pytest -n 2 --dist worksteal -q --durations=25

app: $(STAMP)
	$(VENV)/bin/policysim app

lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/

bench: $(STAMP)
	$(PY) benchmarks/run.py

# docs/claims.md's numbers: the baseline comparison and experiments/claims_map.yaml into
# results/claims (kept; delete it after a model change), then the tables rewritten
claims: $(STAMP)
	nice -n 10 $(PY) scripts/claims_tables.py

clean:
	rm -rf $(VENV) .pytest_cache build src/*.egg-info

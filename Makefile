# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup run test test-fast bench sample chromium clean

setup: $(STAMP)

$(STAMP): requirements.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed: install it, or run 'make PYTHON=python3 ...'"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@$(MAKE) --no-print-directory chromium
	@touch $(STAMP)

# Static chart images (kaleido) and browser tests need a system Chromium.
chromium:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1; then \
		echo "chromium: found"; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "chromium: installing Debian's chromium (for chart images and browser tests)"; \
		(apt-get install -y -qq chromium >/dev/null 2>&1 || (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null 2>&1)) \
			&& echo "chromium: installed" \
			|| echo "chromium: could not be installed; chart images and browser tests will be skipped (install it with: apt-get install chromium)"; \
	else \
		echo "chromium: not found. Chart images (PNG/SVG) and browser tests need it: 'sudo apt-get install chromium' (Debian/Ubuntu) or install Google Chrome."; \
	fi

run: setup
	$(PY) -m streamlit run app.py --server.maxUploadSize 200 --browser.gatherUsageStats false

test: setup
	$(PY) -m pytest

test-fast: setup
	$(PY) -m pytest -m "not slow and not e2e"

bench: setup
	$(PY) benchmarks/run_all.py

sample: setup
	$(PY) sample_data/make_sample.py

clean:
	rm -rf $(VENV) .pytest_cache

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

# Static chart images (kaleido) and browser tests need a system Chromium; Chinese chart text needs a CJK font.
SYSTEM_PACKAGES := chromium fonts-noto-cjk
chromium:
	@if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "noto.*cjk"; then \
		echo "chromium and CJK fonts: found"; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's $(SYSTEM_PACKAGES) (chart images, Chinese labels, browser tests)"; \
		(apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null 2>&1 || (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null 2>&1)) \
			&& echo "installed: $(SYSTEM_PACKAGES)" \
			|| echo "could not install $(SYSTEM_PACKAGES); chart images and browser tests will be skipped (install them with: apt-get install $(SYSTEM_PACKAGES))"; \
	elif command -v chromium >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1; then \
		echo "chromium: found (for Chinese text in chart images also install: sudo apt-get install fonts-noto-cjk)"; \
	else \
		echo "chromium: not found. Chart images (PNG/SVG) and browser tests need it: 'sudo apt-get install $(SYSTEM_PACKAGES)' (Debian/Ubuntu) or install Google Chrome."; \
	fi

run: setup
	WORKBENCH_OPEN_SAMPLE=1 $(PY) -m streamlit run app.py --server.maxUploadSize 200 --browser.gatherUsageStats false

# two workers (pytest-xdist), one file per worker at a time: each browser-test worker starts its own app
test: setup
	$(PY) -m pytest -n 2 --dist loadfile --no-loadscope-reorder

test-fast: setup
	$(PY) -m pytest -n 2 --dist loadfile -m "not slow and not e2e"

bench: setup
	$(PY) benchmarks/bench_read.py
	$(PY) benchmarks/bench_report.py
	$(PY) benchmarks/bench_classify.py

sample: setup
	$(PY) sample_data/make_sample.py

clean:
	rm -rf $(VENV) .pytest_cache

# Frontline Board: `make run` serves the app, `make test` runs every test. Both set themselves up.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test test-fast lint bench migrate clean catalogues

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.test: $(VENV)/.runtime tests/requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
	touch $@

run: $(VENV)/.runtime
	$(PY) -m board prepare --port $(PORT)
	$(PY) -m streamlit run board/web/server.py --server.address 127.0.0.1 --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

# Two steps: the tests without a browser on both cores (pytest-xdist), then the browser tests, two at a time and a
# file per worker (a module's live server and signed-in pages stay on one worker). Both steps keep the 2 cores busy,
# so more workers would not help. Their temporary files (the DuckDB copies, the throwaway PostgreSQL cluster, the live
# servers' folders) go to memory (/dev/shm) where the machine has it: the same real files, without waiting for the
# disk (a quarter of the time, measured side by side). They are kept after a failure and removed after a pass.
TEST_ROOT ?= $(shell test -d /dev/shm -a -w /dev/shm && echo /dev/shm || echo $(CURDIR)/.test-tmp)
TEST_TMP := $(TEST_ROOT)/board-tests-$(shell echo $(CURDIR) | cksum | cut -d' ' -f1)
PYTEST := TMPDIR=$(TEST_TMP) $(PY) -m pytest

test: $(VENV)/.test debian-packages
	mkdir -p $(TEST_TMP)
	$(PYTEST) -m "not browser" -n 2 --basetemp=$(TEST_TMP)/suite
	$(PYTEST) -m browser -n 2 --dist loadfile --basetemp=$(TEST_TMP)/browser
	rm -rf $(TEST_TMP)

test-fast: $(VENV)/.test
	mkdir -p $(TEST_TMP)
	$(PYTEST) -m "not browser and not slow" -k "not postgres" -n 2 --basetemp=$(TEST_TMP)/fast
	rm -rf $(TEST_TMP)

# ruff (pyflakes, pycodestyle, isort, bugbear, pyupgrade) and mypy, as configured in pyproject.toml; CI runs it first.
lint: $(VENV)/.test
	$(PY) -m ruff check board bench tests
	$(PY) -m mypy

bench: $(VENV)/.test
	$(PY) -m bench suggestions
	$(PY) -m bench dashboards

migrate: $(VENV)/.runtime
	$(PY) -m board migrate

# The browser tests drive Debian's chromium; the PostgreSQL half of the suite starts its own throwaway
# cluster from Debian's postgresql binaries. As root, install whichever is missing, with one apt-get.
.PHONY: debian-packages
debian-packages:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || [ -n "$$BOARD_TEST_PG_URL" ] || missing="$$missing postgresql"; \
	[ -z "$$missing" ] || { \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installing Debian's $$missing for the tests ..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else \
			echo "The tests need Debian's $$missing: run  sudo apt-get install -y $$missing  and then make test again."; \
			exit 1; \
		fi; }

clean:
	rm -rf $(VENV) .pytest_cache

# The translation catalogues (board.i18n): the template from the code's texts, then each language's catalogue brought
# up to date with it (new texts arrive empty or as fuzzy guesses; tests/unit/test_catalogues.py fails until a person
# has translated and checked them). Locations by file only, so that moving code does not rewrite every catalogue.
LANGUAGES := es pl
catalogues: $(VENV)/.runtime
	$(VENV)/bin/pybabel -q extract -F board/locale/babel.cfg -k N_ -k ngettext:1,2 -k pgettext:1c,2 --add-location=file \
		--sort-output --no-wrap -c Translators: --project "Frontline Board" -o board/locale/messages.pot board
	for lang in $(LANGUAGES); do \
		if [ -f board/locale/$$lang/LC_MESSAGES/messages.po ]; then \
			$(VENV)/bin/pybabel -q update --no-wrap -i board/locale/messages.pot -d board/locale -l $$lang; \
		else $(VENV)/bin/pybabel -q init --no-wrap -i board/locale/messages.pot -d board/locale -l $$lang; fi; \
	done

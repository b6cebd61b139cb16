# Frontline Board: `make run` serves the app, `make test` runs every test. Both set themselves up.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test bench migrate clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.test: $(VENV)/.runtime tests/requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
	touch $@

run: $(VENV)/.runtime
	$(PY) -m board prepare --port $(PORT)
	$(PY) -m streamlit run board/app.py --server.address 127.0.0.1 --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

test: $(VENV)/.test chromium postgresql
	$(PY) -m pytest

bench: $(VENV)/.test
	$(PY) -m tests.benchmarks.suggestions
	$(PY) -m board bench

migrate: $(VENV)/.runtime
	$(PY) -m board migrate

.PHONY: chromium
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installing Debian's chromium for the browser tests ..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "The browser tests need Debian's chromium: run  sudo apt-get install -y chromium  and then make test again."; \
			exit 1; \
		fi; }

# The suite runs on both backends: it starts its own throwaway PostgreSQL cluster from Debian's binaries.
.PHONY: postgresql
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || [ -n "$$BOARD_TEST_PG_URL" ] || { \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installing Debian's postgresql for the PostgreSQL half of the tests ..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
		else \
			echo "The tests need Debian's postgresql: run  sudo apt-get install -y postgresql  and then make test again."; \
			exit 1; \
		fi; }

clean:
	rm -rf $(VENV) .pytest_cache

# The commands README.md names. `make run` and `make test` set everything up themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PYTHONDONTWRITEBYTECODE := 1
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
IPAEX := /usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf

.PHONY: run test test-fast system-packages-run system-packages-test lint typecheck bench clean messages

$(STAMP): pyproject.toml
	scripts/system-packages.sh build
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

# PDF receipts are typeset with the IPAex fonts (Debian packages).
$(IPAEX):
	$(SUDO) apt-get install -y -qq --no-install-recommends fonts-ipaexfont-gothic fonts-ipaexfont-mincho \
		|| echo "WARNING: install fonts-ipaexfont-gothic and fonts-ipaexfont-mincho for PDF receipts"

## run: set up, migrate, load demo data and serve on http://127.0.0.1:8000 (PORT=8080, HOST=...)
## The site URL follows HOST and PORT; devidp is reached at http://localhost:PORT, another
## origin than the app, as the real identity service is.
HOST ?= 127.0.0.1
PORT ?= 8000
SITE_URL ?= http://$(HOST):$(PORT)
DEVIDP_URL ?= $(if $(filter 127.0.0.1,$(HOST)),http://localhost:$(PORT),$(SITE_URL))
## VIRTUAL_CARD: the demo resident whose virtual My Number Card `madoguchi serve` puts in vpcd's
## reader, with pcscd and the counter's card agent, when pcscd and vsmartcard-vpcd are installed
## (docs/counter.md); empty: none of them.
VIRTUAL_CARD ?= kaga-taro
## VIRTUAL_CARD_PORT: vpcd's reader (35963: Virtual PCD 00 00, 35964: 00 01); VIRTUAL_CARD_READER:
## its PC/SC name, when pcscd's reader.conf puts vpcd on other ports; COUNTER_AGENT_PORT: where
## the demo's card agent answers on 127.0.0.1 (the pages' default is 47120).
VIRTUAL_CARD_PORT ?= 35963
VIRTUAL_CARD_READER ?=
COUNTER_AGENT_PORT ?= 47120
run: export MADOGUCHI_SITE_URL = $(SITE_URL)
run: export MADOGUCHI_VIRTUAL_CARD = $(VIRTUAL_CARD)
run: export MADOGUCHI_VIRTUAL_CARD_PORT = $(VIRTUAL_CARD_PORT)
run: export MADOGUCHI_VIRTUAL_CARD_READER = $(VIRTUAL_CARD_READER)
run: export MADOGUCHI_COUNTER_AGENT_PORT = $(COUNTER_AGENT_PORT)
run: export MADOGUCHI_DEVIDP_URL = $(DEVIDP_URL)
run: system-packages-run $(STAMP) $(IPAEX)
	$(BIN)/madoguchi migrate --noinput
	$(BIN)/madoguchi demo --payments
	$(BIN)/madoguchi serve $(HOST):$(PORT)

## test: set up and run the whole suite (SQLite; set DATABASE_URL for PostgreSQL)
test: system-packages-test $(STAMP) node_modules/axe-core/axe.min.js
	$(BIN)/ruff check src bench
	$(BIN)/ruff format --check src bench
	$(BIN)/mypy src/madoguchi
	$(BIN)/madoguchi makemigrations --check --dry-run --settings=madoguchi.settings.test
	$(BIN)/pytest -n 2 -m "not browser" src
	# Browser tests run in their own processes: Playwright's event loop must not leak into
	# the synchronous code under test in other tests.
	$(BIN)/pytest -n 2 -m browser src

# Debian packages the demo needs (PDF fonts; pcscd and vsmartcard-vpcd for the virtual card at
# the counter), installed only when missing. Without them the demo still runs, minus those parts.
system-packages-run:
	scripts/system-packages.sh run || echo "WARNING: make run goes on without them (docs/counter.md)"

# Debian packages the whole suite needs (chromium, fonts, gettext, npm, nginx, clamd, redis),
# installed only when missing: a fresh machine needs nothing but `make test`.
system-packages-test:
	scripts/system-packages.sh test

## test-fast: the suite without browser tests (npm assets too: a test compares the vendored QR reader)
test-fast: $(STAMP) node_modules/axe-core/axe.min.js
	$(BIN)/pytest -n 2 -m "not browser" src

## bench: benchmarks beside Wagtail, load and fault tests (minutes; never in CI or `make test`)
## Writes bench/results.json and bench/RESULTS.md. QUICK=1: smaller sizes; ONLY=submit,fault: some parts.
bench: $(STAMP)
	@command -v nginx >/dev/null && command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq --no-install-recommends nginx-light wrk; }
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || $(SUDO) apt-get install -y -qq postgresql
	$(BIN)/python bench/run.py $(if $(QUICK),--quick) $(if $(ONLY),--only $(ONLY))

lint: $(STAMP)
	$(BIN)/ruff check src bench && $(BIN)/ruff format --check src bench

typecheck: $(STAMP)
	$(BIN)/mypy src/madoguchi

## messages: refresh and compile the Japanese translations
messages: $(STAMP)
	cd src/madoguchi && ../../$(BIN)/madoguchi makemessages -l ja --no-obsolete --no-location -i "*/tests/*" -i "testing/*" --settings=madoguchi.settings.test
	cd src/madoguchi && ../../$(BIN)/madoguchi compilemessages -l ja --settings=madoguchi.settings.test

clean:
	rm -rf $(VENV) var node_modules

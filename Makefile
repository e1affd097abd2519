# The two commands a new user needs: `make run` and `make test`. Both set up their own venv.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8888

.PHONY: run test venv tools lint clean

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "kestra_nb needs Python >= 3.11 (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,lab,fast]'
	touch $@

venv: $(BIN)/.installed

## run: JupyterLab on notebooks/ with the extension auto-loaded in every kernel
run: venv
	$(BIN)/kestra-nb autoload on
	@echo
	@echo "kestra_nb is loaded in every kernel of this JupyterLab (kestra-nb autoload on)."
	@echo "Start with notebooks/01-prototype-a-flow.ipynb, then 02-secrets-in-kestra and"
	@echo "03-convert-a-dotenv; %kestra_status in any notebook shows what is loaded."
	@echo
	cd notebooks && PATH="$(abspath $(BIN)):$$PATH" ../$(BIN)/jupyter lab --ServerApp.root_dir=. \
		--port=$(PORT) $(if $(filter 0,$(shell id -u)),--allow-root,)

## tools: Debian packages the tests drive: Chromium (Playwright's browser) and a JRE
## (java.util.Base64, the decoder Kestra itself uses, as the oracle for our decoder)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
tools:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; \
	fi

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy kestra_nb

## test: every check and every test, from nothing
test: venv tools lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

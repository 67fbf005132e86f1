# The two set-up commands of the README: `make run` and `make test`.
# Both create .venv, install what is needed (system packages too, where the machine allows) and go.
# `make run` installs the app with its optional ONNX and datasets extras; `make test` adds the test
# tooling and PyTorch, the optional oracle of the differential tests.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip install --disable-pip-version-check --progress-bar on
HASH   := $(shell $(PYTHON) -c "import hashlib;print(hashlib.sha1(open('pyproject.toml','rb').read()).hexdigest()[:12])")
APP_STAMP  := $(VENV)/.app-$(HASH)
TEST_STAMP := $(VENV)/.test-$(HASH)

.PHONY: run test system-deps bench clean

$(APP_STAMP): pyproject.toml
	@test -x $(PY) || { echo "Creating the virtual environment in $(VENV) …"; $(PYTHON) -m venv $(VENV); }
	@echo "Installing ConvStudio with its ONNX and datasets extras (about 400 MB, a minute on a fresh machine) …"
	@$(PIP) -e '.[onnx,datasets]' | grep -v '^Requirement already satisfied' || true
	@$(PY) -c "import convstudio" || { echo "the installation failed; see the messages above"; exit 1; }
	@rm -f $(VENV)/.app-*
	@touch $@

$(TEST_STAMP): $(APP_STAMP)
	@echo "Installing the test tools and the PyTorch oracle (about 1 GB more) …"
	@$(PIP) -e '.[test]' | grep -v '^Requirement already satisfied' || true
	@# PyTorch is an optional oracle for the differential tests; they are skipped without it.
	@$(PIP) --quiet torch==2.13.0 2>/dev/null \
	  || echo "PyTorch 2.13.0 not installable here: the differential tests will be skipped"
	@rm -f $(VENV)/.test-*
	@touch $@

system-deps:
	@sh tools/install-system-deps.sh

run: system-deps $(APP_STAMP)
	$(VENV)/bin/convstudio

test: system-deps $(TEST_STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

bench: $(TEST_STAMP)
	$(PY) benchmarks/infer.py
	$(PY) benchmarks/engine.py
	$(PY) benchmarks/training.py

clean:
	rm -rf $(VENV) build dist *.egg-info

# Desktop bundle: a one-folder PyInstaller build in dist/convstudio, smoke-tested headless.
.PHONY: package
package: system-deps $(APP_STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check 'pyinstaller>=6.3'
	$(PY) -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller \
	  packaging/convstudio.spec
	$(PY) packaging/smoke_test.py dist/convstudio --out dist/smoke-test.png

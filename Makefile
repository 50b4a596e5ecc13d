# Newcomer entry points (README): `make sample` and `make test`. Both create .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: sample test ofx bench clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

# The main job on the bundled sample clip and still: CPU only, no downloads.
sample: $(BIN)/.installed
	$(BIN)/ncst match samples/clip.mp4 --reference samples/reference.jpg -o sample-look --force
	$(BIN)/ncst apply sample-look samples/clip.mp4 -o sample-look/graded.mp4 --force

ofx:
	cmake -S ncst_bridge/ofx/ofx_lut -B build/ofx -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build build/ofx -j2

# The whole test suite (Python and the OFX plugin's C tests); pytest's "no tests" (exit 5) fails.
test: $(BIN)/.installed
	$(BIN)/python -m pytest -q tests; rc=$$?; \
	if [ $$rc = 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$rc

clean:
	rm -rf build/ofx sample-look .pytest_cache

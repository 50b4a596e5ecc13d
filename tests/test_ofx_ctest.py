"""The OFX plug-in's C test suites, run from pytest so `make test` stays the one test command.

- ctest in build/ofx: C unit tests, the test host's self-test (tiles, strides, depths, bad LUTs,
  concurrency), the describe dump, the exported-symbol and glibc-floor check, and the self-test
  under valgrind when valgrind is installed;
- an AddressSanitizer + UndefinedBehaviorSanitizer build (build/ofx/asan) running the unit tests
  and the host self-test with the plug-in loaded through dlopen;
- a bounded fuzz run of the .cube and params.json readers (build/ofx/fuzz): libFuzzer when clang
  is installed (CI installs it), else the same targets under a seeded mutation driver.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from ofx_support import BUILD_DIR, REPO, built

FUZZ_SECONDS = 20  # the .cube target; params.json gets half (CMakeLists.txt)


def run(cmd: list[str], env: dict | None = None, timeout: int = 600) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{out[-4000:]}"
    return out


def ctest(build_dir, *extra) -> str:
    out = run(["ctest", "--test-dir", str(build_dir), "--output-on-failure", "-j2", *extra])
    assert "tests passed, 0 tests failed" in out or "100% tests passed" in out, out[-2000:]
    return out


def test_ctest_main_build():
    built()
    out = ctest(BUILD_DIR)
    for name in ("core", "host_selftest", "host_describe", "exports"):
        assert re.search(rf"Test +#\d+: {name} \.+ +Passed", out), name
    if shutil.which("valgrind"):
        assert re.search(r"Test +#\d+: host_valgrind \.+ +Passed", out), "valgrind case ran"


def test_sanitizer_build_runs_clean():
    built()
    build = BUILD_DIR / "asan"
    run(["cmake", "-S", str(REPO / "ncst_bridge" / "ofx" / "ofx_lut"), "-B", str(build), "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
         "-DNCST_SANITIZE=address,undefined", "-DNCST_WERROR=ON", "-DNCST_VALGRIND=OFF"])
    run(["cmake", "--build", str(build), "--parallel", "2"])
    out = ctest(build)
    assert "selftest:" in out or "host_selftest" in out


def libfuzzer_clang(tmp_path) -> str | None:
    """clang, if it can build a libFuzzer target here (clang without libclang-rt-14-dev cannot)."""
    clang = shutil.which("clang")
    if not clang:
        return None
    src = tmp_path / "probe.c"
    src.write_text("#include <stdint.h>\n#include <stddef.h>\n"
                   "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n")
    proc = subprocess.run([clang, "-fsanitize=fuzzer,address", str(src), "-o", str(tmp_path / "probe")],
                          capture_output=True)
    return clang if proc.returncode == 0 else None


def test_fuzz_readers_bounded_run(record_property, tmp_path):
    built()
    build = BUILD_DIR / "fuzz"
    env = dict(os.environ)
    clang = libfuzzer_clang(tmp_path)
    if clang:
        env["CC"] = clang
    cache = build / "CMakeCache.txt"
    if cache.exists() and (("Clang" in cache.read_text()) != bool(clang)):
        shutil.rmtree(build)  # the compiler changed since the last run
    run(["cmake", "-S", str(REPO / "ncst_bridge" / "ofx" / "ofx_lut"), "-B", str(build), "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
         "-DNCST_FUZZ=ON", "-DNCST_BUILD_TESTS=OFF", "-DNCST_SANITIZE=address,undefined", "-DNCST_WERROR=ON",
         f"-DNCST_FUZZ_SECONDS={FUZZ_SECONDS}"], env=env)
    run(["cmake", "--build", str(build), "--parallel", "2", "--target", "fuzz_cube", "--target", "fuzz_look"], env=env)
    out = ctest(build, "-L", "fuzz", "-V")
    runs = [int(n) for n in re.findall(r"Done (\d+) runs", out)]
    runs += [int(n) for n in re.findall(r"fuzz_driver: \d+ seeds, (\d+) mutated inputs", out)]
    assert len(runs) == 2 and min(runs) > 1000, out[-3000:]
    engine = "libFuzzer" if clang else "mutation driver (clang with libFuzzer not installed)"
    record_property("fuzz", {"engine": engine, "executions": runs})
    print(f"\nfuzz ({engine}): .cube {runs[0]} and params.json {runs[1]} inputs, no crash")
    if os.environ.get("CI") and not clang:
        pytest.fail("clang with libFuzzer is missing on CI: .ci/run installs clang and libclang-rt-14-dev")

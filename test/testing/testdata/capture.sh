#!/usr/bin/env bash
# Re-captures the real test-framework outputs that test/testing/parsers.test.ts reads.
# Each framework's tiny project (testdata/<fw>/project) is copied to /tmp/fixpoint-capture/<fw>
# (a fixed path: the parser tests relativize file names against it), run there, and its output
# is written back next to the project. Nothing is installed in the fixpoint checkout.
# Usage: test/testing/testdata/capture.sh [framework...]   (default: all)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=/tmp/fixpoint-capture
mkdir -p "$WORK"
export RUST_BACKTRACE=0 NO_COLOR=1 FORCE_COLOR=0 CI=true

stage() { rm -rf "${WORK:?}/$1"; mkdir -p "$WORK/$1"; cp -r "$HERE/$1/${2:-project}/." "$WORK/$1/"; cd "$WORK/$1" || exit 1; }
npm_install() { npm install --no-audit --no-fund --loglevel=error >/dev/null 2>&1 || { echo "npm install failed in $PWD" >&2; exit 1; }; }

capture_pytest() {
  stage pytest
  python3 -m pytest -rA -v -p no:cacheprovider --junitxml=junit.xml >"$HERE/pytest/rA-v.txt" 2>&1
  cp junit.xml "$HERE/junit/pytest-junit.xml"
  python3 -m pytest -rA -p no:cacheprovider >"$HERE/pytest/rA.txt" 2>&1
  rm -rf "${WORK:?}/pytest-collect"; mkdir -p "$WORK/pytest-collect"; cp -r "$HERE/pytest/collect-error/." "$WORK/pytest-collect/"
  cd "$WORK/pytest-collect" && python3 -m pytest -rA -v -p no:cacheprovider >"$HERE/pytest/collect-error.txt" 2>&1
}

capture_unittest() {
  stage unittest
  for py in 3.9 3.11; do
    # Python 3.9 prints `test_x (mod.Class)`, 3.11+ `test_x (mod.Class.test_x)`: capture both.
    bin=$(ls /root/.pyenv/versions/$py*/bin/python 2>/dev/null | head -1)
    [ -n "$bin" ] || bin=$(command -v "python$py")
    "$bin" -c pass 2>/dev/null || { echo "python$py not found; skipped" >&2; continue; }
    "$bin" -m unittest -v >"$HERE/unittest/py${py/./}-v.txt" 2>&1
  done
}

capture_go() {
  stage go
  go test -json ./... >"$HERE/go/json.txt" 2>&1
  go test -v ./... >"$HERE/go/verbose.txt" 2>&1
}

capture_cargo() {
  stage cargo
  CARGO_TARGET_DIR="$WORK/cargo-target" cargo test --offline --no-fail-fast >"$HERE/cargo/output.txt" 2>&1
  cp "$HERE/cargo/broken.rs" tests/broken.rs
  CARGO_TARGET_DIR="$WORK/cargo-target" cargo test --offline --no-fail-fast >"$HERE/cargo/build-error.txt" 2>&1
}

capture_node_test() {
  stage node-test
  node --test --test-reporter=tap >"$HERE/node-test/tap.txt" 2>&1
  node --test --test-reporter=spec >"$HERE/node-test/spec.txt" 2>&1
}

capture_jest() {
  stage jest && npm_install
  npx jest --ci --json >"$HERE/jest/json.txt" 2>&1
  npx jest --ci --verbose >"$HERE/jest/verbose.txt" 2>&1
}

capture_vitest() {
  stage vitest && npm_install
  npx vitest run --reporter=json >"$HERE/vitest/json.txt" 2>&1
  npx vitest run --reporter=verbose >"$HERE/vitest/verbose.txt" 2>&1
}

capture_mocha() {
  stage mocha && npm_install
  npx mocha --reporter json >"$HERE/mocha/json.txt" 2>&1
  npx mocha --reporter spec >"$HERE/mocha/spec.txt" 2>&1
}

capture_maven() {
  stage maven
  # Offline: works only when ~/.m2 already holds surefire 3.2.5, junit-jupiter 5.10.2 and the
  # compiler/resources plugins (it does on the machine these were captured on).
  mvn -o -B test >"$HERE/maven/output.txt" 2>&1
  cp target/surefire-reports/TEST-example.CalcTest.xml "$HERE/junit/surefire-CalcTest.xml"
}

mkdir -p "$HERE/junit"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(pytest unittest go cargo node_test jest vitest mocha maven)
for t in "${targets[@]}"; do
  echo "capturing $t" >&2
  ( "capture_${t//-/_}" )
done

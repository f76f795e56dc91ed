#!/usr/bin/env bash
# Re-captures the real test logs that test/testing/swebench-logs.test.ts feeds to the SWE-bench
# log parsers (src/testing/swebench-logs.ts). Each run happens in a copy under
# /tmp/fixpoint-capture/swebench-* (fixed paths, so tracebacks name the same files every time);
# the logs (stdout and stderr together, as SWE-bench's harness records them) are written back here.
# Nothing is installed in the fixpoint checkout.
#
# Needs, from Debian: python3-pytest python3-django python3-mpmath (python3-hypothesis is unpacked);
# pyenv's Python 3.9 (Django's pre-3.11 test names) and a pytest >= 8 on PATH as `python3`
# (the newer pytest summary); the sympy bare mirror (SYMPY_GIT, default below).
# Usage: test/testing/testdata/swebench/capture.sh [pytest|django|sympy ...]   (default: all)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=/tmp/fixpoint-capture
SYMPY_GIT=${SYMPY_GIT:-/work/.mirror/sympy+sympy/repo}
DEBIAN_PY=/usr/bin/python3
mkdir -p "$WORK"
# A fixed width: pytest cuts summary messages and pads rules to the terminal's width.
export NO_COLOR=1 COLUMNS=80 CI=true
unset PY_COLORS FORCE_COLOR

stage() { rm -rf "${WORK:?}/$1"; mkdir -p "$WORK/$1"; cp -r "$2/." "$WORK/$1/"; cd "$WORK/$1" || exit 1; }

capture_pytest() {
  stage swebench-pytest "$HERE/pytest/project"
  local out=$HERE/pytest
  # The commands SWE-bench's harness used (swebench/harness/constants/python.py at b8d53321):
  # `pytest -rA` (matplotlib), `pytest --no-header -rA --tb=no -p no:cacheprovider` (most
  # repositories), `pytest -rA -vv -o console_output_style=classic --tb=no` (astropy).
  $DEBIAN_PY -m pytest -rA -p no:cacheprovider >"$out/rA.txt" 2>&1
  $DEBIAN_PY -m pytest --no-header -rA --tb=no -p no:cacheprovider >"$out/rA-tbno.txt" 2>&1
  $DEBIAN_PY -m pytest -rA -v --tb=no -p no:cacheprovider >"$out/rA-v-tbno.txt" 2>&1
  $DEBIAN_PY -m pytest -rA -vv -o console_output_style=classic --tb=no -p no:cacheprovider \
    >"$out/rA-vv-classic.txt" 2>&1
  # Colour forced, for pytest_v2's escape stripping (NO_COLOR would not stop --color=yes anyway).
  env -u NO_COLOR $DEBIAN_PY -m pytest -rA --tb=no -p no:cacheprovider --color=yes >"$out/rA-color.txt" 2>&1
  env -u NO_COLOR $DEBIAN_PY -m pytest -rA -vv -o console_output_style=classic --tb=no -p no:cacheprovider \
    --color=yes >"$out/rA-vv-classic-color.txt" 2>&1
  # The newer summary format (pytest >= 8), when the python3 on PATH has one.
  if python3 -c 'import sys, pytest; sys.exit(int(pytest.__version__.split(".")[0]) < 8)' 2>/dev/null; then
    python3 -m pytest --no-header -rA --tb=no -p no:cacheprovider >"$out/pytest9-rA-tbno.txt" 2>&1
  else
    echo "no pytest >= 8 on PATH; pytest9-rA-tbno.txt not re-captured" >&2
  fi
}

capture_django() {
  stage swebench-django "$HERE/django/project"
  # Django 3.2 from Debian; Python 3.11 names tests `test_x (app.tests.Class.test_x)`.
  DJANGO_SETTINGS_MODULE=settings $DEBIAN_PY -m django test --verbosity 2 >"$HERE/django/py311-v2.txt" 2>&1
  # Python 3.9 names them `test_x (app.tests.Class)`, the form SWE-bench's Django ids have.
  # Django 3.2 and its dependencies are pure Python, so Debian's copies import under 3.9 too.
  local py39
  py39=$(ls /root/.pyenv/versions/3.9*/bin/python 2>/dev/null | head -1)
  [ -n "$py39" ] || py39=$(command -v python3.9)
  if [ -n "$py39" ]; then
    PYTHONPATH=/usr/lib/python3/dist-packages DJANGO_SETTINGS_MODULE=settings "$py39" -m django test \
      --verbosity 2 >"$HERE/django/py39-v2.txt" 2>&1
  else
    echo "python3.9 not found; django/py39-v2.txt not re-captured" >&2
  fi
}

# $1: sympy revision, $2: output file, then extra bin/test options.
sympy_run() {
  local rev=$1 out=$2
  shift 2
  rm -rf "${WORK:?}/swebench-sympy-$rev"; mkdir -p "$WORK/swebench-sympy-$rev"; cd "$WORK/swebench-sympy-$rev" || exit 1
  git --git-dir="$SYMPY_GIT" archive "$rev" | tar -x || { echo "cannot read sympy $rev from $SYMPY_GIT" >&2; return 1; }
  # One failing and one erroring test, by a local edit of the copy (never of the mirror).
  patch -s -p1 <"$HERE/sympy/break-tests.patch" || return 1
  # SWE-bench's sympy command: PYTHONWARNINGS=... bin/test -C --verbose FILES
  PYTHONWARNINGS='ignore::UserWarning,ignore::SyntaxWarning' $DEBIAN_PY bin/test -C --verbose "$@" \
    sympy/core/tests/test_eval.py sympy/ntheory/tests/test_ecm.py sympy/printing/tests/test_cupy.py \
    sympy/physics/quantum/tests/test_dagger.py >"$HERE/sympy/$out" 2>&1
}

# Recent sympy's conftest needs hypothesis. Debian's is unpacked into $WORK rather than
# installed: installed, its pytest plugin would load into every other pytest run on the machine.
hypothesis_path() {
  local dir=$WORK/swebench-hypothesis
  if [ ! -d "$dir/usr/lib/python3/dist-packages/hypothesis" ]; then
    rm -rf "$dir"; mkdir -p "$dir/debs"
    (cd "$dir/debs" && apt-get download python3-hypothesis python3-sortedcontainers >/dev/null 2>&1) || return 1
    for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$dir"; done
  fi
  echo "$dir/usr/lib/python3/dist-packages"
}

capture_sympy() {
  # sympy 1.12, the last release whose bin/test runs sympy's own runner (the SWE-bench era).
  sympy_run sympy-1.12 bin-test-1.12.txt
  # A recent commit: bin/test now runs pytest; --use-sympy-runner brings the old runner back.
  local hyp
  hyp=$(hypothesis_path) || { echo "cannot unpack python3-hypothesis" >&2; return 1; }
  PYTHONPATH=$hyp sympy_run e950d313a932 bin-test-e950d313.txt
  sympy_run e950d313a932 bin-test-e950d313-sympy-runner.txt --use-sympy-runner
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(pytest django sympy)
for t in "${targets[@]}"; do
  echo "capturing $t" >&2
  ( "capture_$t" )
done

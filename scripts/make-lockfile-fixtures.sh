#!/usr/bin/env bash
# Regenerates the lockfile fixtures of crates/modelseal-sbom/tests/fixtures/lockfiles with the
# real tools, from the small manifests committed beside them:
#
#   uv/         uv.lock, and from it pylock.toml and requirements.txt (`uv export`)
#   poetry/     poetry.lock, lock-version 2.1 (Poetry 2)
#   poetry18/   poetry.lock, lock-version 2.0 (Poetry 1.8: neither `groups` nor `category`)
#   poetry11/   poetry.lock, lock-version 1.1 (Poetry 1.1: `category`, `[metadata.files]`)
#   pipenv/     Pipfile.lock
#   npm/        package-lock.json, lockfileVersion 3
#   npm-v2/     package-lock.json, lockfileVersion 2
#   cargo/      Cargo.lock, version 4
#
# Needs the network (PyPI, the npm registry, crates.io), python3, npm and cargo. The tools go
# into a throwaway directory; nothing is installed elsewhere. The manifests ask for version
# ranges, so a new run may lock newer versions: the tests (src/python/lock.rs,
# src/python/requirements.rs, tests/lockfiles.rs) assert exact versions and hashes and must be
# updated with the fixtures.
#
# The Poetry projects name PyPI's simple index as their source (`pypi-simple`): it is how a
# project behind a mirror or a private index looks, and it needs only PEP 503 pages.
set -euo pipefail
cd "$(dirname "$0")/.."
fixtures=$PWD/crates/modelseal-sbom/tests/fixtures/lockfiles
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export UV_CACHE_DIR=$work/cache/uv POETRY_CACHE_DIR=$work/cache/poetry
export POETRY_VIRTUALENVS_IN_PROJECT=true PIPENV_VENV_IN_PROJECT=1 PIPENV_YES=1
export PIP_DISABLE_PIP_VERSION_CHECK=1

tool() { # tool <venv name> <pip requirement>...: a venv with the requirements
  python3 -m venv "$work/$1"
  "$work/$1/bin/pip" install --quiet "${@:2}"
}
tool tools "uv==0.13.9" "poetry==2.5.1" "pipenv==2026.10.3"
tool poetry18 "poetry==1.8.5"
tool poetry11 "poetry==1.1.15"

project() { # project <fixture dir>: a scratch copy of its manifests, with stub sources
  local copy=$work/projects/$1
  rm -rf "$copy"
  mkdir -p "$work/projects"
  cp -r "$fixtures/$1" "$copy"
  for dir in "$copy" "$copy/libs/helper"; do
    if [ -f "$dir/pyproject.toml" ]; then
      mkdir -p "$dir/src/helper" "$dir/src/demo_app"
      touch "$dir/src/helper/__init__.py" "$dir/src/demo_app/__init__.py"
    fi
  done
  echo "$copy"
}

dir=$(project uv)
(cd "$dir" && rm -f uv.lock pylock.toml requirements.txt &&
  "$work/tools/bin/uv" lock --quiet &&
  "$work/tools/bin/uv" export --quiet --format pylock.toml --all-extras --all-groups -o pylock.toml &&
  "$work/tools/bin/uv" export --quiet --format requirements-txt --all-extras --all-groups \
    -o requirements.txt)
cp "$dir/uv.lock" "$dir/pylock.toml" "$dir/requirements.txt" "$fixtures/uv/"

for version in poetry:tools poetry18:poetry18 poetry11:poetry11; do
  name=${version%%:*}
  dir=$(project "$name")
  (cd "$dir" && rm -f poetry.lock && "$work/${version##*:}/bin/poetry" lock >/dev/null 2>&1)
  cp "$dir/poetry.lock" "$fixtures/$name/"
done

dir=$(project pipenv)
(cd "$dir" && rm -f Pipfile.lock && "$work/tools/bin/pipenv" lock >/dev/null 2>&1)
cp "$dir/Pipfile.lock" "$fixtures/pipenv/"

for version in npm:3 npm-v2:2; do
  name=${version%%:*}
  dir=$(project "$name")
  # `resolved` URLs are written by default; say so in case the user's npmrc omits them.
  (cd "$dir" && rm -f package-lock.json &&
    npm install --package-lock-only --ignore-scripts --no-audit --no-fund \
      --omit-lockfile-registry-resolved=false --lockfile-version "${version##*:}" >/dev/null)
  cp "$dir/package-lock.json" "$fixtures/$name/"
done

dir=$(project cargo)
mkdir -p "$dir/src" "$dir/crates/demo-core/src"
touch "$dir/src/main.rs" "$dir/crates/demo-core/src/lib.rs"
(cd "$dir" && rm -f Cargo.lock && CARGO_TARGET_DIR=$work/target cargo generate-lockfile --quiet)
cp "$dir/Cargo.lock" "$fixtures/cargo/"

echo "regenerated $fixtures"

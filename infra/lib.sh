# Shared by infra/up and infra/test: where things live, and how to get the
# tools, build, and start or stop the local servers. Sourced, not run.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${SWITCHBOARD_CACHE:-$HOME/.cache/switchboard}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target}"
# Incremental state is kept per checkout path: every fresh clone sharing
# this target dir would add gigabytes of it. Whole-crate builds stay bounded.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
BIN_DIR="$CARGO_TARGET_DIR/debug"
mkdir -p "$CACHE"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Debian packages a fresh machine with only Rust and Python may lack: a C
# compiler (the AWS SDK's TLS builds aws-lc) and venv support for Python.
ensure_system_packages() {
  local missing=()
  command -v cc >/dev/null 2>&1 || missing+=(build-essential)
  python3 -c 'import ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
  if (( ${#missing[@]} )); then
    log "installing Debian packages: ${missing[*]}"
    local sudo=""; [[ "$(id -u)" == 0 ]] || sudo="sudo"
    $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# Python tools live in a virtualenv under the cache, rebuilt when
# infra/requirements.txt changes.
ensure_venv() {
  local hash
  hash="$(sha256sum "$ROOT/infra/requirements.txt" | cut -c1-12)"
  VENV="$CACHE/venv-$hash"
  ensure_system_packages
  if [[ ! -f "$VENV/.complete" ]]; then
    log "creating the Python environment ($VENV)"
    rm -rf "$VENV"
    if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
      # Debian splits venv support out of python3.
      log "installing python3-venv (Debian)"
      local sudo=""; [[ "$(id -u)" == 0 ]] || sudo="sudo"
      $sudo apt-get update -qq && $sudo apt-get install -y -qq python3-venv >/dev/null
      rm -rf "$VENV"
      python3 -m venv "$VENV"
    fi
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/infra/requirements.txt"
    touch "$VENV/.complete"
  fi
  export PATH="$VENV/bin:$PATH"
}

build() {
  log "building the workspace (target dir: $CARGO_TARGET_DIR)"
  (cd "$ROOT" && cargo build --workspace --locked --quiet)
}

# The functions as they ship (`sam build` builds these): LTO, one codegen
# unit, stripped. Benchmarks of speed, size and memory run on these.
RELEASE_DIR="$CARGO_TARGET_DIR/release"
build_release() {
  log "building the functions for release (target dir: $CARGO_TARGET_DIR)"
  (cd "$ROOT" && cargo build --release --workspace --bins --exclude devstack --locked --quiet)
}

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

http_ok() { # url
  python3 - "$1" <<'PY' 2>/dev/null
import sys, urllib.request
urllib.request.urlopen(sys.argv[1], timeout=2)
PY
}

wait_for_http() { # url seconds
  local url="$1" deadline=$((SECONDS + ${2:-30}))
  until http_ok "$url"; do
    if (( SECONDS > deadline )); then log "timed out waiting for $url"; return 1; fi
    sleep 0.2
  done
}

wait_for_file() { # path seconds pid
  local deadline=$((SECONDS + ${2:-60}))
  until [[ -s "$1" ]]; do
    if [[ -n "${3:-}" ]] && ! kill -0 "$3" 2>/dev/null; then log "process $3 exited"; return 1; fi
    if (( SECONDS > deadline )); then log "timed out waiting for $1"; return 1; fi
    sleep 0.2
  done
}

PIDS=()
stop_all() {
  local pid
  for pid in "${PIDS[@]:-}"; do
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]:-}"; do
    [[ -n "$pid" ]] && wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}

start_moto() { # port logfile
  log "starting moto on 127.0.0.1:$1"
  python3 "$ROOT/infra/moto_server.py" -H 127.0.0.1 -p "$1" >"$2" 2>&1 &
  PIDS+=($!)
  wait_for_http "http://127.0.0.1:$1/moto-api/" 30
}

start_devstack() { # http_addr moto_url ready_file logfile ws_addr smtp_addr [function_bin_dir]
  log "starting devstack (HTTP API on $1, WebSocket API on $5, SMTP on $6)"
  (cd "$ROOT" && exec "$BIN_DIR/devstack" up --http "$1" --ws "$5" --smtp "$6" --moto "$2" --bin-dir "${7:-$BIN_DIR}" \
     --ready-file "$3") >"$4" 2>&1 &
  PIDS+=($!)
  wait_for_file "$3" 120 "$!" || { tail -50 "$4" >&2; return 1; }
}

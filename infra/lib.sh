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

# The workspace's debug build, with cargo's progress (a bar on a terminal,
# a line per crate otherwise). Run in the background so that a signal to
# this script stops it at once, rustc processes included.
build() {
  if [[ ! -x "$BIN_DIR/devstack" ]]; then
    log "building the workspace for the first time (target dir: $CARGO_TARGET_DIR): about 350 crates, 10 to 20 minutes on 2 cores (less with more); later builds take seconds"
  else
    log "building the workspace (target dir: $CARGO_TARGET_DIR)"
  fi
  spawn cargo build --workspace --locked
  wait_spawned
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

wait_for_http() { # url seconds [pid]
  local url="$1" deadline=$((SECONDS + ${2:-30}))
  until http_ok "$url"; do
    if [[ -n "${3:-}" ]] && ! kill -0 "$3" 2>/dev/null; then log "process $3 exited"; return 1; fi
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

# Processes this script started, each the leader of a process group of its
# own (setsid): stopping one stops everything it started (cargo's rustc,
# devstack's function instances). Ctrl-C reaches the script, whose trap
# stops them.
PIDS=()
SPAWNED=""
spawn() { # command...  (run from $ROOT; its pid in $SPAWNED)
  (cd "$ROOT" && exec setsid "$@") &
  SPAWNED=$!
  PIDS+=("$SPAWNED")
}

# Waits for the last spawned command and forgets it; returns its status.
wait_spawned() {
  local pid="$SPAWNED" rc=0 kept=() p
  wait "$pid" || rc=$?
  for p in "${PIDS[@]}"; do [[ "$p" == "$pid" ]] || kept+=("$p"); done
  PIDS=("${kept[@]}")
  return "$rc"
}

# Field n of /proc/<pid>/stat (3 state, 5 process group, 22 start time).
proc_field() { # pid n
  local stat rest fields
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  rest="${stat##*) }"
  read -ra fields <<<"$rest"
  echo "${fields[$(($2 - 3))]}"
}

# Whether <pid> is still the process that started at <start> (not a reused
# pid, not a zombie).
same_process() { # pid start
  [[ -n "$1" && "$(proc_field "$1" 22)" == "$2" && "$(proc_field "$1" 3)" != Z ]]
}

# Whether <pid> (with <group> set: any process of its group) still runs;
# zombies do not count.
still_running() { # pid [group]
  if [[ -n "${2:-}" ]]; then
    ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
  else
    [[ -e "/proc/$1" && "$(proc_field "$1" 3)" != Z ]]
  fi
}

# TERM to <pid>'s process group (or to <pid> if it leads none), KILL to what
# is left after 10 s; returns once all of it has exited. Our own children
# are reaped.
stop_group() { # pid
  local pid="$1" group="" target="$1" deadline=$((SECONDS + 10)) killed=""
  [[ "$(proc_field "$pid" 5)" == "$pid" ]] && { group=1; target="-$pid"; }
  kill -TERM -- "$target" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  while still_running "$pid" "$group"; do
    if (( SECONDS >= deadline )); then
      [[ -n "$killed" ]] && { log "process group $pid does not exit"; return 1; }
      kill -KILL -- "$target" 2>/dev/null || true
      killed=1; deadline=$((SECONDS + 5))
    fi
    sleep 0.05
  done
  wait "$pid" 2>/dev/null || true
}

# Stops what this script started, last started first (devstack before the
# emulator it talks to).
stop_all() {
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    [[ -n "${PIDS[i]}" ]] && stop_group "${PIDS[i]}"
  done
  PIDS=()
}

# Shows why devstack failed: its error and causes (one line), not the log's
# tail (a backtrace there when RUST_BACKTRACE is set).
show_devstack_failure() { # logfile
  if grep -q '^devstack: error:' "$1"; then
    grep '^devstack: error:' "$1" >&2
  else
    tail -20 "$1" >&2
  fi
  log "full log: $1"
}

start_moto() { # port logfile
  log "starting moto on 127.0.0.1:$1"
  # A moto already answering there is someone else's: never use it.
  if http_ok "http://127.0.0.1:$1/moto-api/"; then
    log "127.0.0.1:$1 already answers: another emulator runs there"; return 1
  fi
  spawn python3 "$ROOT/infra/moto_server.py" -H 127.0.0.1 -p "$1" >"$2" 2>&1
  MOTO_PID="$SPAWNED"
  wait_for_http "http://127.0.0.1:$1/moto-api/" 30 "$MOTO_PID" || { tail -20 "$2" >&2; return 1; }
}

start_devstack() { # http_addr moto_url ready_file logfile ws_addr smtp_addr [function_bin_dir]
  log "starting devstack (HTTP API on $1, WebSocket API on $5, SMTP on $6)"
  spawn "$BIN_DIR/devstack" up --http "$1" --ws "$5" --smtp "$6" --moto "$2" --bin-dir "${7:-$BIN_DIR}" \
     --ready-file "$3" >"$4" 2>&1
  DEVSTACK_PID="$SPAWNED"
  wait_for_file "$3" 120 "$DEVSTACK_PID" || { show_devstack_failure "$4"; return 1; }
}

# Stacks started by infra/up: one state folder per set of ports (logs, ready
# file, stack.env naming the checkout and the processes), so two stacks
# never share logs or an emulator.
STACKS="${SWITCHBOARD_STACKS:-$CACHE/up}"
stack_dir() { # http ws smtp moto_port
  echo "$STACKS/${1##*:}-${2##*:}-${3##*:}-$4"
}

# Stops at once, in one line, if one of the ports is in use or belongs to
# a stack that is still starting: names the port, who holds it, and how to
# choose others.
preflight() { # http ws smtp moto_port
  python3 - "$STACKS" "$ROOT" "$@" <<'PY'
import os, socket, sys

stacks, root, http, ws, smtp, moto = sys.argv[1:]
wanted = [("HTTP API", http, "DEVSTACK_HTTP"), ("WebSocket API", ws, "DEVSTACK_WS"),
          ("SMTP", smtp, "DEVSTACK_SMTP"), ("moto", f"127.0.0.1:{moto}", "MOTO_PORT")]

def split(addr):
    host, _, port = addr.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)

def free(addr):
    host, port = split(addr)
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    # As the servers bind: a port in TIME_WAIT is free.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((host, port))
        return True
    except OSError:
        return False
    finally:
        s.close()

def start_time(pid):
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:
        return None
    fields = stat.rsplit(") ", 1)[1].split()
    return None if fields[0] == "Z" else fields[19]

def live_stacks():
    """Stacks whose infra/up runs, or whose processes outlived it."""
    try:
        names = os.listdir(stacks)
    except OSError:
        return
    for name in names:
        try:
            lines = open(os.path.join(stacks, name, "stack.env")).read().splitlines()
        except OSError:
            continue
        env = dict(l.split("=", 1) for l in lines if "=" in l)
        env["up"] = bool(env.get("pid")) and start_time(env["pid"]) == env.get("start")
        left = [l.split("=", 1)[1].split(":") for l in lines if l.startswith("process=")]
        if env["up"] or any(start_time(pid) == start for _, pid, start in left):
            yield env

def holder(port):
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            f = row.split()
            if f[3] == "0A" and int(f[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{f[9]}]")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") in inodes:
                    cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace").strip()
                    return f"pid {pid} ({cmd[:70]}{'…' if len(cmd) > 70 else ''})"
            except OSError:
                continue
    return None

def others(offset):
    return " ".join(f"{var}={split(a)[0] + ':' if var != 'MOTO_PORT' else ''}{split(a)[1] + offset}"
                    for _, a, var in wanted)

def advice():
    for offset in range(10, 500, 10):
        if all(free(f"{split(a)[0]}:{split(a)[1] + offset}") for _, a, _ in wanted):
            return f"choose other ports, e.g. {others(offset)} ./infra/up"
    return "choose other ports with DEVSTACK_HTTP, DEVSTACK_WS, DEVSTACK_SMTP and MOTO_PORT"

stacks_up = list(live_stacks())
for label, addr, _ in wanted:
    port = split(addr)[1]
    for env in stacks_up:
        ports = {split(env.get(k, ":0"))[1] for k in ("http", "ws", "smtp")} | {int(env.get("moto", 0))}
        if port in ports:
            where = "this checkout" if env.get("root") == root else env.get("root", "another checkout")
            down = "./infra/down stops it" if env.get("root") == root else "its ./infra/down stops it"
            state = f"already up from {where} (infra/up pid {env['pid']}" if env["up"] else \
                f"left behind from {where} (its infra/up is gone"
            sys.exit(f"infra/up: {addr} ({label}) belongs to a stack {state}; {down}); or {advice()}")
    if not free(addr):
        who = holder(port)
        sys.exit(f"infra/up: {addr} ({label}) is in use{' by ' + who if who else ''}; "
                 f"stop that process, or {advice()}")
PY
}

# Records this stack in its state folder, for preflight and infra/down.
claim_stack() { # dir http ws smtp moto_port
  mkdir -p "$1"
  printf 'root=%s\npid=%s\nstart=%s\nhttp=%s\nws=%s\nsmtp=%s\nmoto=%s\n' \
    "$ROOT" "$$" "$(proc_field $$ 22)" "$2" "$3" "$4" "$5" >"$1/stack.env.tmp"
  mv "$1/stack.env.tmp" "$1/stack.env"
}

# Adds a process of the stack (its group is stopped if the script is gone).
record_process() { # dir name pid
  printf 'process=%s:%s:%s\n' "$2" "$3" "$(proc_field "$3" 22)" >>"$1/stack.env"
}

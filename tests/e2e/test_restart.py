"""The two commands as a newcomer meets them: `./infra/up` refuses ports in
use in one line, stops everything it started on Ctrl-C, on SIGTERM and on
`./infra/down`, and starts again right after. Runs `./infra/up` itself on
free ports of its own, with the binaries infra/test has built."""

import os
import pathlib
import signal
import socket
import subprocess
import time

import pytest
import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
UP, DOWN = str(ROOT / "infra" / "up"), str(ROOT / "infra" / "down")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def stack_env(tmp_path):
    ports = [free_port() for _ in range(4)]
    env = dict(os.environ)
    env.update({
        "DEVSTACK_HTTP": f"127.0.0.1:{ports[0]}",
        "DEVSTACK_WS": f"127.0.0.1:{ports[1]}",
        "DEVSTACK_SMTP": f"127.0.0.1:{ports[2]}",
        "MOTO_PORT": str(ports[3]),
        # State folders of this test's own: it never sees (or stops) a
        # stack someone runs from this checkout.
        "SWITCHBOARD_STACKS": str(tmp_path / "stacks"),
    })
    yield env, ports
    subprocess.run([DOWN], env=env, capture_output=True, timeout=60)


class Up:
    """One `./infra/up`, in a session of its own as a terminal would run it."""

    def __init__(self, env, log):
        self.env, self.log = env, log
        # A terminal's shell starts it with Ctrl-C's default action, even
        # when this suite itself runs as a background job (which ignores
        # SIGINT, and bash cannot trap a signal ignored on entry).
        self.proc = subprocess.Popen([UP], env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True,
                                     preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))

    def output(self):
        return self.log.read_text(errors="replace")

    def wait_ready(self, seconds=180):
        deadline = time.time() + seconds
        while "stops the stack" not in self.output():
            assert self.proc.poll() is None, f"infra/up exited {self.proc.returncode}:\n{self.output()}"
            assert time.time() < deadline, f"infra/up not ready after {seconds} s:\n{self.output()}"
            time.sleep(0.2)
        api = "http://" + self.env["DEVSTACK_HTTP"]
        assert requests.get(api + "/v1/health", timeout=10).status_code == 200
        functions = requests.get(api + "/_devstack/functions", timeout=10).json()
        instances = [i["pid"] for f in functions for i in f["live"] if i.get("pid")]
        assert instances, functions
        return processes_in(self.proc.pid) | set(instances)

    def wait_stopped(self, seconds=20):
        return self.proc.wait(timeout=seconds)


def processes_in(session):
    """Every process whose session is `session` or whose parent chain leads
    to it (what infra/up started, in process groups of their own)."""
    parents = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = open(f"/proc/{pid}/stat").read().rsplit(") ", 1)[1].split()
        except OSError:
            continue
        parents[int(pid)] = int(stat[1])
    found, grew = {session}, True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in found and pid not in found:
                found.add(pid)
                grew = True
    return found


def alive(pids):
    out = []
    for pid in pids:
        try:
            state = open(f"/proc/{pid}/stat").read().rsplit(") ", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            out.append(pid)
    return out


def ports_free(ports):
    for port in ports:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def assert_all_stopped(pids, ports):
    deadline = time.time() + 5
    while (alive(pids) or not ports_free(ports)) and time.time() < deadline:
        time.sleep(0.1)
    assert not alive(pids), f"still running: {alive(pids)}"
    assert ports_free(ports)


def test_up_refuses_taken_ports_stops_on_every_signal_and_restarts_at_once(stack_env, tmp_path):
    env, ports = stack_env

    # A port someone else holds: one line naming it, its holder, other ports.
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", ports[1]))
        squatter.listen()
        r = subprocess.run([UP], env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert f"127.0.0.1:{ports[1]} (WebSocket API) is in use by pid {os.getpid()}" in lines[0], lines[0]
    assert "DEVSTACK_HTTP=" in lines[0] and "./infra/up" in lines[0]

    first = Up(env, tmp_path / "first.log")
    pids = first.wait_ready()
    state = pathlib.Path(env["SWITCHBOARD_STACKS"]) / "-".join(map(str, ports))
    log_before = (state / "devstack.log").read_text()

    # A second stack on the same ports refuses at once, touching nothing.
    started = time.time()
    r = subprocess.run([UP], env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and time.time() - started < 10
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "belongs to a stack already up from this checkout" in r.stderr, r.stderr
    assert (state / "devstack.log").read_text().startswith(log_before)

    # Ctrl-C: SIGINT to the terminal's process group.
    os.killpg(first.proc.pid, signal.SIGINT)
    first.wait_stopped()
    assert_all_stopped(pids, ports)

    # An immediate restart works; SIGTERM to the script stops it.
    started = time.time()
    second = Up(env, tmp_path / "second.log")
    pids = second.wait_ready()
    restart = time.time() - started
    second.proc.send_signal(signal.SIGTERM)
    second.wait_stopped()
    assert_all_stopped(pids, ports)

    # And again; ./infra/down stops it and returns once it has.
    third = Up(env, tmp_path / "third.log")
    pids = third.wait_ready()
    r = subprocess.run([DOWN], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "stopped the stack" in r.stderr, r.stderr
    assert not alive(pids), f"still running after ./infra/down: {alive(pids)}"
    assert third.wait_stopped(5) is not None
    assert_all_stopped(pids, ports)
    assert restart < 60, f"the restart took {restart:.1f} s"

"""A listening socket of its own for each worker process, all on one port (SO_REUSEPORT).

With one socket shared by the workers, whichever wakes first takes every connection waiting
(libuv accepts until the queue is empty), so a burst of keep-alive connections, a load
balancer's or a CDN's, can settle 61 to 3 between two workers and stay so. Sockets of one
SO_REUSEPORT group each keep a queue of their own, and the kernel picks the queue of a new
connection by a hash of its addresses: the workers get even shares. A worker that dies is
replaced on its own socket, whose waiting connections the replacement then serves.

Where the sockets are each a worker's, the workers are forked from the supervisor rather than
spawned as uvicorn spawns them: a spawned interpreter imports uvicorn and the settings again,
and spawning starts multiprocessing's resource tracker, a process of its own (~13 MB) that
nothing here uses. A forked worker closes what it inherits but does not own: the other
workers' sockets and pipes, and the supervisor's signal handlers.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection

from uvicorn._subprocess import subprocess_started
from uvicorn.config import STARTUP_FAILURE, Config
from uvicorn.supervisors.multiprocess import SIGNALS, Multiprocess, Process

log = logging.getLogger("uvicorn.error")

SUPPORTED = sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")
"""Linux spreads new connections between the sockets of a group; elsewhere SO_REUSEPORT only
lets sockets share a port."""


def listening_socket(
    host: str, port: int, backlog: int, *, reuse_port: bool = False
) -> socket.socket:
    """A socket listening on host:port, made as uvicorn makes its own."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


@contextlib.contextmanager
def worker_sockets(host: str, port: int, count: int, backlog: int) -> Iterator[list[socket.socket]]:
    """`count` sockets listening on host:port in one SO_REUSEPORT group. The port must be free:
    a plain socket is bound to it first, so another server's group is never joined."""
    with listening_socket(host, port, backlog) as probe:
        port = probe.getsockname()[1]
    with contextlib.ExitStack() as stack:
        yield [
            stack.enter_context(listening_socket(host, port, backlog, reuse_port=True))
            for _ in range(count)
        ]


@contextlib.contextmanager
def listening_sockets(
    host: str, port: int, processes: int, backlog: int
) -> Iterator[list[socket.socket]]:
    """What a server listens on: a socket per worker process where the kernel spreads
    connections between them, else one socket for all."""
    if processes > 1 and SUPPORTED:
        with worker_sockets(host, port, processes, backlog) as sockets:
            yield sockets
        return
    with listening_socket(host, port, backlog) as sock:
        yield [sock]


FORK = multiprocessing.get_context("fork")
Inherited = socket.socket | Connection


class ForkedWorker(Process):
    """uvicorn's worker process, forked. `inherited`: what the supervisor holds that the
    worker must not keep open. Both ends of its own pipe stay open in it, as in a spawned
    worker (which is sent both): its answering thread then never reads the end of the pipe
    when the supervisor, stopping it, closes its own."""

    def __init__(
        self, config: Config, sockets: list[socket.socket], inherited: list[Inherited]
    ) -> None:
        super().__init__(config, sockets)
        own = {"config": config, "target": self.target, "sockets": sockets}
        # the same interface as the spawned process uvicorn's Process declares
        self.process = FORK.Process(  # type: ignore[assignment]
            target=_forked_worker, kwargs=own | {"inherited": inherited}
        )


def _forked_worker(
    config: Config,
    target: Callable[..., None],
    sockets: list[socket.socket],
    inherited: list[Inherited],
) -> None:
    """In the forked worker: what a spawned one would start with, then uvicorn's worker."""
    for number in SIGNALS:
        default = signal.default_int_handler if number == signal.SIGINT else signal.SIG_DFL
        signal.signal(number, default)
    for held in inherited:
        held.close()
    subprocess_started(config, target, sockets, stdin_fileno=None)


class SocketPerWorker(Multiprocess):
    """uvicorn's supervisor with worker `n` always serving `sockets[n]`, in a process forked
    from the supervisor. The number of workers is fixed (SIGTTIN and SIGTTOU change nothing)."""

    def __init__(self, config: Config, sockets: list[socket.socket]) -> None:
        super().__init__(config, sockets=sockets)
        self.processes_num = len(sockets)

    def started(self, slot: int) -> Process:
        own = self.sockets[slot]
        others: list[Inherited] = [sock for sock in self.sockets if sock is not own]
        for worker in self.processes:
            others += [worker.parent_conn, worker.child_conn]
        process = ForkedWorker(self.config, [own], others)
        process.start()
        return process

    def init_processes(self) -> None:
        for slot in range(self.processes_num):
            self.processes.append(self.started(slot))

    def keep_subprocess_alive(self) -> None:
        for slot, process in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                log.error(
                    "Child process [%s] failed to start, stopping the parent process.", process.pid
                )
                self.should_exit.set()
                return
            log.info("Child process [%s] died", process.pid)
            self.processes[slot] = self.started(slot)

    def restart_all(self) -> None:
        """SIGHUP: each worker replaced in turn, the new one serving its socket before the old
        one stops."""
        for slot, old in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new = self.started(slot)
            if not new.wait_until_ready(self.config.timeout_worker_healthcheck, self.should_exit):
                new.kill()
                new.join()
                log.error("New child process [%s] was not ready in time; restart aborted.", new.pid)
                return
            old.terminate()
            old.join()
            self.processes[slot] = new

    def handle_ttin(self) -> None:
        log.info("Received SIGTTIN: the number of processes is fixed (IMGPROXY_PROCESSES).")

    def handle_ttou(self) -> None:
        log.info("Received SIGTTOU: the number of processes is fixed (IMGPROXY_PROCESSES).")


def supervisor(config: Config, sockets: list[socket.socket]) -> Multiprocess:
    """uvicorn's supervisor over `config.workers` processes on `sockets` (from
    `listening_sockets`): one each, or one for all."""
    if len(sockets) > 1:
        return SocketPerWorker(config, sockets)
    return Multiprocess(config, sockets=sockets)

"""What a server listens on: one socket, or one per worker process in a SO_REUSEPORT group.
The workers serving them are in tests/integration/test_operations.py."""

from __future__ import annotations

import socket

import pytest

from imgproxy import worker_sockets
from imgproxy.worker_sockets import listening_sockets

HOST = "127.0.0.1"
BACKLOG = 16


def reuses_port(sock: socket.socket) -> bool:
    return bool(sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT))


def test_each_worker_process_gets_a_socket_of_its_own_on_one_port() -> None:
    with listening_sockets(HOST, 0, 3, BACKLOG) as sockets:
        ports = {sock.getsockname()[1] for sock in sockets}
        assert len(sockets) == 3
        assert len(ports) == 1
        assert len({sock.fileno() for sock in sockets}) == 3
        assert all(reuses_port(sock) and sock.get_inheritable() for sock in sockets)
    assert all(sock.fileno() == -1 for sock in sockets)


def test_one_process_listens_on_one_plain_socket() -> None:
    with listening_sockets(HOST, 0, 1, BACKLOG) as sockets:
        assert len(sockets) == 1
        assert not reuses_port(sockets[0])
    assert sockets[0].fileno() == -1


def test_without_a_spreading_reuseport_the_processes_share_one_socket(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(worker_sockets, "SUPPORTED", False)
    with listening_sockets(HOST, 0, 3, BACKLOG) as sockets:
        assert len(sockets) == 1
        assert not reuses_port(sockets[0])


@pytest.mark.parametrize("processes", [1, 2])
@pytest.mark.parametrize("holders", [1, 2], ids=["held by a plain socket", "held by a group"])
def test_a_port_in_use_is_refused(holders: int, processes: int) -> None:
    """Binding to a group's port with SO_REUSEPORT would succeed, and take a share of its
    connections."""
    with listening_sockets(HOST, 0, holders, BACKLOG) as held:
        port = held[0].getsockname()[1]
        with pytest.raises(OSError), listening_sockets(HOST, port, processes, BACKLOG):
            pass

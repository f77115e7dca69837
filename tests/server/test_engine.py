"""server/engine.py's channel to the query workers: whole messages, any size, EOF as EOFError."""

from __future__ import annotations

import socket
import threading

import pytest

from ccdkg.server.engine import Channel


@pytest.fixture()
def pair():
    a, b = socket.socketpair()
    yield Channel(a), Channel(b)
    a.close()
    b.close()


@pytest.mark.parametrize("size", [0, 1, 65_536 - 8, 65_536, 5 * 1024 * 1024 + 3])
def test_a_message_arrives_whole_in_parts_gathered_by_the_sender(pair, size):
    left, right = pair
    body = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    # The reader must run meanwhile: a large message does not fit the socket's buffer.
    sender = threading.Thread(target=left.send, args=(b"head", body))
    sender.start()
    got = right.recv()
    sender.join(10)
    assert bytes(got) == b"head" + body


def test_messages_in_turn_and_a_poll_that_waits(pair):
    left, right = pair
    assert right.poll(0.05) is False
    for i in range(3):
        left.send(f"job {i}".encode())
        assert right.poll(1.0) is True
        assert right.recv() == f"job {i}".encode()
        right.send(b"reply")
        assert left.recv() == b"reply"


def test_the_other_end_closing_is_eof(pair):
    left, right = pair
    left.close()
    assert right.poll(1.0) is True  # readable: EOF
    with pytest.raises(EOFError):
        right.recv()

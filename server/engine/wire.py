"""The wire between the front process and a query worker: jobs, replies and the channel they travel on."""

from __future__ import annotations

import select
import socket
import struct

from ccdkg.server.store import QueryError

# --- the wire format between the front process and a worker ------------------------------------
#
# A job is a marshal'd tuple of strings (C-speed, no class lookups: both ends run the same
# interpreter, forked from one process). A reply is a 6-byte header -- kind, a "retire me" flag
# and the length of the content type or error class name -- then that string, then the body
# bytes, so the front process reads the serialized result as it is instead of unpickling it.

QueryJob = tuple  # (CheckedQuery.to_wire(), accept, format_param, max_bytes)
REPLY = struct.Struct("!cBI")
OK, ERR = b"o", b"e"
LENGTH = struct.Struct("!Q")
# One read takes a whole small message (most replies): one system call per message each way.
READ = 64 * 1024


class Channel:
    """Length-prefixed messages over one end of a stream socket pair.

    Lighter than multiprocessing's Connection, which this replaces: a message goes out in one
    ``sendmsg`` (prefix, header and body gathered, the body never copied into a new buffer) and a
    small one comes in with one ``recv``. Each side sends only after the other's last message was
    read, so a read never holds the start of the next message.
    """

    __slots__ = ("sock",)

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def fileno(self) -> int:
        return self.sock.fileno()

    def close(self) -> None:
        self.sock.close()

    def send(self, *parts: bytes) -> None:
        size = sum(len(part) for part in parts)
        sent = self.sock.sendmsg([LENGTH.pack(size), *parts])
        if sent < LENGTH.size + size:  # a signal cut it short: the rest, in order
            self.sock.sendall(memoryview(b"".join([LENGTH.pack(size), *parts]))[sent:])

    def recv(self) -> bytes | bytearray:
        """The next message (a bytearray when it took more than one read: not copied again)."""
        data = self.sock.recv(READ)
        while len(data) < LENGTH.size:
            more = self.sock.recv(READ)
            if not more:
                raise EOFError("the other end closed")
            data += more
        (size,) = LENGTH.unpack_from(data)
        end = LENGTH.size + size
        if len(data) == end:
            return data[LENGTH.size :]
        if len(data) > end:
            raise OSError("a message ran into the next one")
        buffer = bytearray(size)
        view = memoryview(buffer)
        have = len(data) - LENGTH.size
        view[:have] = data[LENGTH.size :]
        while have < size:
            got = self.sock.recv_into(view[have:])
            if not got:
                raise EOFError("the other end closed mid-message")
            have += got
        return buffer

    def poll(self, timeout: float) -> bool:
        """Whether a message (or EOF) is there to read within ``timeout`` seconds."""
        poller = select.poll()
        poller.register(self.sock, select.POLLIN)
        return bool(poller.poll(max(0.0, timeout) * 1000))


def error_classes() -> dict[str, type[QueryError]]:
    found: dict[str, type[QueryError]] = {}
    todo: list[type[QueryError]] = [QueryError]
    while todo:
        cls = todo.pop()
        found[cls.__name__] = cls
        todo.extend(cls.__subclasses__())
    return found


ERRORS = error_classes()

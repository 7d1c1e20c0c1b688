"""TLS for the emulator, begun in a worker thread, and one short line for a client that leaves.

cheroot's builtin adapter does the TLS handshake in its accept loop: one client
that connects and says nothing holds up every other client for the socket
timeout (10 s). Here the accept loop only accepts; the connection's worker reads
the first byte. A TLS record (0x16) starts the handshake there; anything else is
plain HTTP on the HTTPS port, answered with a reset at once (no hang; the
reconciler names the cause from the reset). A client that hangs up mid-handshake
or mid-request costs at most one short line on stderr, never a traceback; an
emulator bug keeps its traceback.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import trustme
from cheroot import server, wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter

from reconciler.emulator.errors import CLIENT_SIDE

TLS_HANDSHAKE_RECORD = 0x16

_serving = threading.local()
"""The connection a worker thread is serving, for QuietServer.error_log."""


def tls_adapter(state_dir: Path) -> DeferredTLSAdapter:
    """A fresh CA (state_dir/ca.pem) and a server certificate for every loopback name."""
    ca = trustme.CA(organization_name="Seamless API emulator")
    ca.cert_pem.write_to_path(str(state_dir / "ca.pem"))
    cert = ca.issue_cert("localhost", "127.0.0.1", "::1")
    cert_path, key_path = state_dir / "server.pem", state_dir / "server.key"
    cert.cert_chain_pems[0].write_to_path(str(cert_path))
    cert.private_key_pem.write_to_path(str(key_path))
    return DeferredTLSAdapter(str(cert_path), str(key_path))


class DeferredTLSAdapter(BuiltinSSLAdapter):
    """Leaves the socket as it is at accept: Connection does the handshake in its worker."""

    def wrap(self, sock: socket.socket) -> tuple[socket.socket, dict[str, Any]]:
        return sock, {}


class Connection(server.HTTPConnection):
    """A connection that starts TLS in its worker thread and reports a leaving client once."""

    tls_started = False
    _said = False

    def communicate(self) -> bool:
        _serving.connection = self
        try:
            if not self.tls_started:
                self.tls_started = self._start_tls()
                if not self.tls_started:
                    return False
            return bool(super().communicate())  # type: ignore[no-untyped-call]
        except CLIENT_SIDE as exc:
            self.say(f"left mid-request ({describe(exc)})")
            return False
        finally:
            _serving.connection = None

    def _start_tls(self) -> bool:
        """Read the first byte, then shake hands; False when the connection is over."""
        raw: socket.socket = self.socket
        opening: Opening = self.server.opening
        try:
            with opening.tracking(raw):
                first = raw.recv(1, socket.MSG_PEEK)
        except OSError:  # reset, or silent for the whole timeout, before saying anything
            return False
        if not first:  # connected and hung up: a port probe, nothing to say
            return False
        if first[0] != TLS_HANDSHAKE_RECORD:
            self.say("sent plain HTTP to the HTTPS port: connection reset (use https://)")
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            raw.close()  # with linger 0 and the request unread: a reset, at once
            return False
        adapter: BuiltinSSLAdapter = self.server.ssl_adapter
        try:
            tls = adapter.context.wrap_socket(raw, server_side=True, do_handshake_on_connect=False)
            self.socket = tls  # from here on, close() closes this one
            with opening.tracking(tls):
                tls.do_handshake()
        except OSError as exc:
            self.say(_handshake_failure(exc))
            return False
        self.rfile = adapter.makefile(tls, "rb", self.rbufsize)
        self.wfile = adapter.makefile(tls, "wb", self.wbufsize)
        self.ssl_env = adapter.get_environ(tls)  # type: ignore[no-untyped-call]
        return True

    def say(self, what: str) -> None:
        """One short line on stderr, at most once per connection, and none while stopping."""
        if not self._said and not self.server.stopping:
            self._said = True
            host = f"[{self.remote_addr}]" if ":" in str(self.remote_addr) else self.remote_addr
            _write(f"client {host}:{self.remote_port} {what}")

    def close(self) -> None:
        if self.socket.fileno() == -1:  # already closed: the reset of a plain HTTP client
            self.rfile.close()
            return
        with contextlib.suppress(OSError):  # a client gone mid-handshake: nothing to tell it
            super().close()


class Opening:
    """The sockets whose first byte or handshake a worker awaits, to shut down on stop.

    Otherwise a client that connects and says nothing keeps stop() waiting for
    cheroot's shutdown timeout (5 s).
    """

    def __init__(self) -> None:
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._shut = False

    @contextlib.contextmanager
    def tracking(self, sock: socket.socket) -> Iterator[None]:
        with self._lock:
            self._sockets.add(sock)
            if self._shut:  # a connection taken up after stop began: over at once
                _shut(sock)
        try:
            yield
        finally:
            with self._lock:
                self._sockets.discard(sock)

    def shut_all(self) -> None:
        with self._lock:
            self._shut = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class QuietServer(wsgi.Server):
    """cheroot's WSGI server with Connection, where a client that leaves is not a traceback."""

    ConnectionClass = Connection
    stopping = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.opening = Opening()

    def stop(self) -> None:
        self.stopping = True  # what clients see from here on is our doing: not said
        self.opening.shut_all()
        super().stop()

    def error_log(self, msg: str = "", level: int = 20, traceback: bool = False) -> None:
        connection: Connection | None = getattr(_serving, "connection", None)
        gone = sys.exc_info()[1]
        if traceback and connection is not None and isinstance(gone, CLIENT_SIDE):
            connection.say(f"left mid-request ({describe(gone)})")
            return
        super().error_log(msg, level, traceback)


def _handshake_failure(exc: OSError) -> str:
    why = describe(exc)
    if isinstance(exc, (ssl.SSLEOFError, ssl.SSLZeroReturnError, ConnectionError)):
        return f"left during the TLS handshake ({why})"
    if isinstance(exc, TimeoutError):
        return "said nothing more during the TLS handshake, timed out"
    if "CERTIFICATE" in why or "UNKNOWN_CA" in why:
        return f"refused the certificate ({why}): give it the CA bundle"
    return f"failed the TLS handshake ({why})"


def describe(exc: BaseException) -> str:
    """The short name of a transport error: OpenSSL's reason, or the exception's class."""
    return str(getattr(exc, "reason", None) or type(exc).__name__)


def _write(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()

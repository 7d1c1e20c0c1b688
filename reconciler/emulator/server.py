"""HTTPS on loopback: a generated CA, a threaded cheroot server, and the `serve` command.

werkzeug gives routing and request/response objects; cheroot serves them,
because werkzeug's own development server closes every connection (no
keep-alive), which caps it near 200 requests a second over TLS.
`EmulatorServer` starts the emulator in a background thread (tests, demo);
`serve_forever` is what `reconciler emulator serve` runs.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import trustme
import yaml
from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter
from werkzeug.wrappers import Request

from reconciler.emulator.backend import Backend
from reconciler.emulator.control import PREFIX, Control
from reconciler.emulator.faults import Faults
from reconciler.emulator.fixtures import DEMO_FIXTURE, FixtureError, load_fixture
from reconciler.emulator.middleware import (
    Authentication,
    Call,
    FaultInjection,
    RateLimit,
    RequestLog,
    chain,
    content_type,
    json_body,
    method_override,
)
from reconciler.emulator.routes import Dispatcher, route
from reconciler.emulator.stages import Progression
from reconciler.emulator.store import Store

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def parse_rate_limit(text: str) -> tuple[int, int] | None:
    """'N/SECONDS' -> (N, SECONDS); 'off' -> None."""
    if text.strip().lower() == "off":
        return None
    count, _, seconds = text.partition("/")
    limit = (int(count), int(seconds or 60))
    if limit[0] < 1 or limit[1] < 1:
        raise ValueError("rate limit must be positive, as N/SECONDS")
    return limit


class EmulatorApp:
    """The WSGI application: control path, or the API through the middleware chain."""

    def __init__(
        self,
        backend: Backend,
        rate_limit: tuple[int, int] | None,
        faults: Iterable[dict[str, Any]] = (),
    ) -> None:
        self.backend = backend
        self.log = RequestLog()
        self.faults = Faults()
        for rule in faults:
            self.faults.add(rule)
        self.rate_limit = RateLimit(rate_limit)
        self.control = Control(
            backend, self.log, self.faults, self.rate_limit, (rate_limit, backend.progression)
        )
        self.api = chain(
            [
                self.log,
                self.rate_limit,
                FaultInjection(self.faults),
                method_override,
                Authentication(backend),
                route,
                content_type,
                json_body,
            ],
            Dispatcher(backend),
        )

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        if request.path.startswith(PREFIX):
            response = self.control.handle(request)
        else:
            response = self.api(Call(request, request.method))
        return response(environ, start_response)


class EmulatorServer:
    """The emulator on a loopback port with a fresh CA, served from a background thread."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        fixture: Path | None = None,
        data: Path | None = None,
        rate_limit: tuple[int, int] | None = (100, 60),
        progression: Progression | None = None,
        faults: Iterable[dict[str, Any]] = (),
        state_dir: Path | None = None,
        threads: int = 16,
    ) -> None:
        if host not in LOOPBACK:
            raise ValueError(f"the emulator listens on loopback only, not {host!r}")
        self.tenants = load_fixture(fixture or DEMO_FIXTURE)
        backend = Backend(self.tenants, Store(data))
        backend.progression = progression or Progression()
        backend.seed()
        self.app = EmulatorApp(backend, rate_limit, faults)
        self.state_dir = state_dir or Path(tempfile.mkdtemp(prefix="seamless-emulator-"))
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.ca_bundle = self.state_dir / "ca.pem"
        self._server = wsgi.Server((host, port), self.app, numthreads=threads, max=threads)
        self._server.gateway = _DroppableGateway
        self._server.ssl_adapter = self._tls_adapter()
        # Bind now, so port 0 is resolved before start(). prepare() also starts the worker
        # threads, which inherit the daemon flag of the thread that creates them: made from a
        # daemon thread, they can never keep a stopping process alive (a client that holds a
        # keep-alive connection open otherwise could).
        failures: list[Exception] = []
        preparing = threading.Thread(target=_capture, args=(self._server.prepare, failures))
        preparing.daemon = True
        preparing.start()
        preparing.join()
        if failures:
            raise failures[0]
        self.port = int(self._server.bind_addr[1])
        self.url = f"https://{'[::1]' if host == '::1' else host}:{self.port}"
        self._thread: threading.Thread | None = None

    def _tls_adapter(self) -> BuiltinSSLAdapter:
        """A fresh CA and a server certificate for every loopback name."""
        ca = trustme.CA(organization_name="Seamless API emulator")
        ca.cert_pem.write_to_path(str(self.ca_bundle))
        cert = ca.issue_cert("localhost", "127.0.0.1", "::1")
        cert_path, key_path = self.state_dir / "server.pem", self.state_dir / "server.key"
        cert.cert_chain_pems[0].write_to_path(str(cert_path))
        cert.private_key_pem.write_to_path(str(key_path))
        return BuiltinSSLAdapter(str(cert_path), str(key_path))

    def tokens(self) -> dict[str, str]:
        return {name: tenant.tokens[0] for name, tenant in self.tenants.items()}

    def start(self) -> EmulatorServer:
        """Serve from a background thread until stop()."""
        self._thread = threading.Thread(target=self._server.serve, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.stop()
        if self._thread:
            self._thread.join(timeout=10)

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _capture(action: Any, failures: list[Exception]) -> None:
    try:
        action()
    except Exception as exc:  # noqa: BLE001 - re-raised in the caller's thread
        failures.append(exc)


class _DroppableGateway(wsgi.Gateway_10):
    """Exposes the connection's socket so a fault can drop it, as `werkzeug.socket` does."""

    def get_environ(self) -> dict[str, Any]:  # type: ignore[override]
        environ: dict[str, Any] = super().get_environ()  # type: ignore[no-untyped-call]
        environ["werkzeug.socket"] = self.req.conn.socket
        environ["emulator.request"] = self.req
        return environ


def serve_forever(
    host: str,
    port: int,
    data: Path | None,
    fixture: Path | None,
    rate_limit: str,
    progression: str,
    faults: Path | None,
    state_dir: Path | None,
    info_file: Path | None,
) -> None:
    """Run `reconciler emulator serve` until interrupted; bad options exit 1 with a message."""
    try:
        rules = yaml.safe_load(faults.read_text(encoding="utf-8")) if faults else []
        server = EmulatorServer(
            host=host,
            port=port,
            fixture=fixture,
            data=data,
            rate_limit=parse_rate_limit(rate_limit),
            progression=Progression.parse(progression),
            faults=rules if isinstance(rules, list) else [rules],
            state_dir=state_dir,
        )
    except (FixtureError, ValueError, TypeError, OSError, yaml.YAMLError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        sys.exit(1)
    if info_file:
        info: dict[str, Any] = {
            "url": server.url,
            "ca_bundle": str(server.ca_bundle),
            "pid": os.getpid(),
        }
        info["tenants"] = server.tokens()
        tmp = info_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(info, indent=2), encoding="utf-8")
        tmp.replace(info_file)  # atomic: a script polling for the file never reads half of it
    # A script's background job starts with SIGINT ignored, so TERM and INT both stop us. The
    # handler only sets an event: an exception raised from a signal handler can land in a
    # finalizer, where Python swallows it, and cheroot's stop() must not run inside its loop.
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    server.start()
    try:
        _announce(server)  # after the info file: a script that saw the text can read the file
        while not stopping.wait(timeout=0.5):
            pass
    finally:
        server.stop()
    print("Stopped.", file=sys.stderr)


def _announce(server: EmulatorServer) -> None:
    lines = [
        f"Seamless API emulator listening on {server.url}",
        f"  CA bundle:    {server.ca_bundle}",
        f"  control path: {server.url}{PREFIX}/",
    ]
    lines += [f"  tenant {name}: token {token}" for name, token in server.tokens().items()]
    first = next(iter(server.tokens()))
    lines += [
        "Try:",
        f"  curl --cacert {server.ca_bundle} -H 'Authorization: Basic {server.tokens()[first]}' "
        f"{server.url}/{first}/organizationUnits",
    ]
    print("\n".join(lines), flush=True)

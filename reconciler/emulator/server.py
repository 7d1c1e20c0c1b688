"""HTTPS on loopback: a generated CA, a threaded cheroot server, and the `serve` command.

werkzeug gives routing and request/response objects; cheroot serves them,
because werkzeug's own development server closes every connection (no
keep-alive), which caps it near 200 requests a second over TLS.
TLS starts in the worker threads, and a client that leaves is one short line
(transport.py). `EmulatorServer` starts the emulator in a background thread
(tests, demo); `serve_forever` is what `reconciler emulator serve` runs.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NoReturn

import yaml
from cheroot import wsgi
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
from reconciler.emulator.transport import QuietServer, tls_adapter

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
    """The emulator on a loopback port with a fresh CA, served from a background thread.

    Without a state_dir, the CA and certificate go to a temporary directory that stop() removes.
    """

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
        self.temporary_state_dir = state_dir is None
        self.state_dir = state_dir or Path(tempfile.mkdtemp(prefix="seamless-emulator-"))
        self.ca_bundle = self.state_dir / "ca.pem"
        self._thread: threading.Thread | None = None
        try:
            self._server = self._bind(host, port, threads)
        except BaseException:
            self._remove_temporary_state_dir()
            raise
        self.port = int(self._server.bind_addr[1])
        self.url = f"https://{'[::1]' if host == '::1' else host}:{self.port}"

    def _bind(self, host: str, port: int, threads: int) -> QuietServer:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        server = QuietServer((host, port), self.app, numthreads=threads, max=threads)
        server.gateway = _DroppableGateway
        server.ssl_adapter = tls_adapter(self.state_dir)
        # Bind now, so port 0 is resolved before start(). prepare() also starts the worker
        # threads, which inherit the daemon flag of the thread that creates them: made from a
        # daemon thread, they can never keep a stopping process alive (a client that holds a
        # keep-alive connection open otherwise could).
        failures: list[Exception] = []
        preparing = threading.Thread(target=_capture, args=(server.prepare, failures))
        preparing.daemon = True
        preparing.start()
        preparing.join()
        if failures:
            raise failures[0]
        return server

    def tokens(self) -> dict[str, str]:
        return {name: tenant.tokens[0] for name, tenant in self.tenants.items()}

    def start(self) -> EmulatorServer:
        """Serve from a background thread until stop()."""
        self._thread = threading.Thread(target=self._server.serve, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; remove the state directory if it is a temporary one."""
        try:
            self._server.stop()
            if self._thread:
                self._thread.join(timeout=10)
        finally:
            self._remove_temporary_state_dir()

    def _remove_temporary_state_dir(self) -> None:
        if self.temporary_state_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)

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
    # A script's background job starts with SIGINT ignored, so TERM and INT both stop us. The
    # handler only sets an event: an exception raised from a signal handler can land in a
    # finalizer, where Python swallows it, and cheroot's stop() must not run inside its loop.
    # Set before the server exists, so that a signal while starting still removes its CA.
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
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
        _fail(exc)
    try:
        if info_file:
            _write_info(server, info_file)
        server.start()
        print(announcement(server), flush=True)  # after the info file: scripts may read it now
        while not stopping.wait(timeout=0.5):
            pass
    except OSError as exc:
        _fail(exc)
    finally:
        server.stop()  # and the temporary CA directory is removed
    print("Stopped.", file=sys.stderr)


def _fail(exc: Exception) -> NoReturn:
    print(f"Error: {exc}", file=sys.stderr)
    sys.exit(1)


def _write_info(server: EmulatorServer, info_file: Path) -> None:
    info: dict[str, Any] = {"url": server.url, "ca_bundle": str(server.ca_bundle)}
    info["pid"] = os.getpid()
    info["tenants"] = server.tokens()
    tmp = info_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(info, indent=2), encoding="utf-8")
    tmp.replace(info_file)  # atomic: a script polling for the file never reads half of it


def announcement(server: EmulatorServer) -> str:
    """What `serve` prints once listening: where, the tenants, and lines ready to paste."""
    tokens = server.tokens()
    tenant = next(iter(tokens))
    ca_bundle, quote = str(server.ca_bundle), shlex.quote
    lines = [
        f"Seamless API emulator listening on {server.url}",
        f"  CA bundle:    {ca_bundle}",
        f"  control path: {server.url}{PREFIX}/",
    ]
    lines += [f"  tenant {name}: token {token}" for name, token in tokens.items()]
    lines += [
        f"Point the reconciler at it, as tenant {tenant}:",
        f"  export SEAMLESS_API_URL={quote(server.url)}",
        f"  export SEAMLESS_CA_BUNDLE={quote(ca_bundle)}",
        f"  export SEAMLESS_TOKEN={quote(tokens[tenant])}",
        f"  export SEAMLESS_TENANT={quote(tenant)}",
    ]
    if server.temporary_state_dir:
        lines.append(
            "The CA bundle is deleted on stop; start with --state-dir DIR "
            "to keep its path valid across restarts."
        )
    lines += [
        "Try:",
        f"  curl --cacert {quote(ca_bundle)} -H {quote(f'Authorization: Basic {tokens[tenant]}')} "
        f"{quote(f'{server.url}/{tenant}/organizationUnits')}",
    ]
    return "\n".join(lines)

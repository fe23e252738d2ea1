"""The ``tradewar serve`` command: the HTTP API and the dashboard on the local store.

``cli.py`` gathers the command declared here on ``commands``.
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from ..config import SERVE_WORKER_ENV, store_path
from ..errors import TradewarError
from .console import err

commands = typer.Typer()


@commands.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="address to listen on (loopback by default)")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port")] = 8000,
    time_limit: Annotated[
        float, typer.Option(min=0.1, max=600, help="seconds a request may run")
    ] = 60.0,
    max_upload_mb: Annotated[
        float, typer.Option(min=0.01, max=1024, help="bulk upload limit, MB")
    ] = 10.0,
    access_log: Annotated[bool, typer.Option(help="log every request")] = True,
    workers: Annotated[
        int, typer.Option(min=0, max=16, help="worker processes (0: one per usable core, <= 4)")
    ] = 0,
) -> None:
    """Serve the HTTP API (/api, OpenAPI at /api/openapi.json) and the dashboard (/)."""
    import uvicorn

    _check_port(host, port)
    # the limits as data: with several workers this process only supervises them and
    # does not import the web app (about 100 MB of modules)
    limits = {"time_s": time_limit, "max_upload": int(max_upload_mb * 1024 * 1024)}
    count = workers or min(_usable_cores(), 4)
    if count == 1:
        from .web import Limits, create_app

        # no store: StoreError, exit code 2
        target: Any = create_app(store_path(), Limits(**limits))
    else:
        forget_after_check(store_path())
        target = "tradewar.interfaces.web.app:worker_app"
    if host not in ("127.0.0.1", "localhost", "::1"):
        err.print(f"[yellow]warning[/yellow] listening on {host}: the service has no login")
    url = f"http://{_url_host(host)}:{port}/"
    print(
        f"tradewar: serving {store_path()} on {url} with {count} worker(s) (Ctrl-C stops)",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="tradewar-serve-") as tmp:
        spec = {"store": str(store_path()), "limits": limits,
                "peers": str(Path(tmp) / "reload-epoch")}  # fmt: skip
        os.environ[SERVE_WORKER_ENV] = json.dumps(spec)  # read by each worker (spawned)
        uvicorn.run(
            target, host=host, port=port, log_level="warning", access_log=access_log,
            timeout_graceful_shutdown=5, workers=count, factory=count > 1,
            # a worker busy with a heavy answer may hold the GIL for seconds on a loaded
            # machine: it is "hung" only past the request time limit, not uvicorn's 5 s
            timeout_worker_healthcheck=int(time_limit) + 30,
        )  # fmt: skip


def _usable_cores() -> int:
    affinity = getattr(os, "sched_getaffinity", None)  # Linux: the cores this process may use
    return len(affinity(0)) if affinity else os.cpu_count() or 1


def forget_after_check(store: Path) -> None:
    """Fail fast (``StoreError``) on a missing or foreign store, then let it go: each
    worker opens its own."""
    from ..data.store import forget, handle

    handle(store)
    forget(store)


def _check_port(host: str, port: int) -> None:
    """Fail with one clear line if the address cannot be bound."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        raise TradewarError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host

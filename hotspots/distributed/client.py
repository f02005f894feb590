"""A dask.distributed client from a scheduler address, or a LocalCluster on this machine.

The library never reads configuration: the CLI and the web app turn ``--scheduler`` /
``HOTSPOTS_DASK_SCHEDULER`` / the ``DASK_SCHEDULER`` setting into an ``address`` and call
:func:`connect`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from hotspots.errors import HotspotsError

#: The address that asks for a LocalCluster on this machine.
LOCAL = "local"
#: Workers of the default LocalCluster (this project's machines have 2 cores).
LOCAL_WORKERS = 2


def connect(
    address: str,
    *,
    n_workers: int = LOCAL_WORKERS,
    threads_per_worker: int = 1,
    processes: bool = True,
    memory_limit: str | int = "auto",
    timeout_s: float = 10.0,
) -> Any:
    """A ``dask.distributed.Client``.

    Parameters
    ----------
    address
        ``"local"`` for a LocalCluster here (``n_workers`` worker processes of
        ``threads_per_worker`` threads), else a scheduler address such as
        ``tcp://scheduler:8786`` (a real cluster; its workers must see the same paths: source
        files and the store on shared storage).
    n_workers, threads_per_worker, processes, memory_limit
        LocalCluster options (ignored for a remote scheduler).
    timeout_s
        How long to try to reach a remote scheduler, seconds.

    Raises
    ------
    HotspotsError
        dask is not installed (the ``scale`` extra), or the scheduler cannot be reached in
        ``timeout_s`` (the message names it).
    ValueError
        An empty address.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise HotspotsError(
            "the distributed path needs dask: pip install 'hotspots[scale]' (dask[distributed] "
            "and dask-geopandas)"
        ) from None
    if not address or not address.strip():
        raise ValueError("address: got an empty scheduler address; expected 'local' or tcp://…")
    if address.strip().lower() == LOCAL:
        cluster = LocalCluster(
            n_workers=n_workers,
            threads_per_worker=threads_per_worker,
            processes=processes,
            memory_limit=memory_limit,
            dashboard_address=None,
        )
        return Client(cluster)  # close() closes the cluster with it
    try:
        return Client(address.strip(), timeout=f"{timeout_s}s")
    except (OSError, TimeoutError) as exc:
        raise HotspotsError(
            f"dask scheduler {address.strip()!r}: cannot connect ({exc}); check --scheduler "
            "or HOTSPOTS_DASK_SCHEDULER ('local' starts a LocalCluster here)"
        ) from None


def close(client: Any) -> None:
    """Close ``client`` and, for a LocalCluster made by :func:`connect`, the cluster too."""
    cluster = client.cluster  # None for a client of a remote scheduler
    client.close()
    if cluster is not None:
        cluster.close()


@contextlib.contextmanager
def connected(address: str | None, **options: Any) -> Iterator[Any]:
    """``with connected(address) as client``: a client, or ``None`` when ``address`` is empty."""
    if not address:
        yield None
        return
    client = connect(address, **options)
    try:
        yield client
    finally:
        close(client)


_SHARED: dict[str, Any] = {}
_SHARED_LOCK = threading.Lock()


def shared_client(address: str) -> Any:
    """One client per address for this process, connected on first use and kept (for a
    long-running server such as the web app; each server process has its own)."""
    with _SHARED_LOCK:
        client = _SHARED.get(address)
        if client is None or client.status in ("closed", "closing"):
            client = _SHARED[address] = connect(address)
        return client

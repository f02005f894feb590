"""The ``hotspots`` command: the same library functions, under the names the docs use.

Configuration: ``--store`` or the ``HOTSPOTS_STORE`` environment variable (default ``./store``),
read through the settings table (:mod:`hotspots.cli.environment`).
Errors print one line naming the file, row and what was expected, and exit with status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import json
import os
import shlex
import socket
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from hotspots.cli.distributed import add_scheduler_options, scheduler_address
from hotspots.cli.environment import configured, setting, without_blas_threads
from hotspots.errors import HotspotsError, StoreError
from hotspots.private import private_umask
from hotspots.settings import BY_NAME

if TYPE_CHECKING:
    from concurrent.futures import Future

    from hotspots.ingest import IngestReport
    from hotspots.sources.boundaries import Boundaries
    from hotspots.store import Store

# Start-up: this module imports only what parsing needs. Each command imports its own modules
# when it runs, and `build_parser(command)` adds the arguments of that command alone (their
# defaults come from the modules that use them), so `hotspots --help` and `hotspots status`
# never load geopandas, scikit-learn, matplotlib, folium or dask (tests/test_cli_startup.py).

DEFAULT_STORE = str(BY_NAME["STORE"].default)
#: Demo data shipped with the project (present in a clone / editable install).
DEMO_DATA = Path(__file__).resolve().parents[2] / "data"


def _store_path(value: str | None) -> Path:
    return Path(value or str(setting("STORE") or "") or DEFAULT_STORE)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; ``command`` names the one subcommand given its arguments (the others
    are listed with their help only), ``None`` gives every subcommand its arguments."""
    parser = argparse.ArgumentParser(
        prog="hotspots", description="Drug-crime hotspot mapping for a UK police force area."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (help_text, add) in _COMMANDS.items():
        if command is None or command == name:
            add(sub, name, help_text)
        else:
            sub.add_parser(name, help=help_text)
    return parser


def _ingest_parser(sub: Any, name: str, help_text: str) -> None:
    from hotspots.wards import NEAREST_WARD_M

    p = sub.add_parser(name, help=help_text)
    # FILES may come after --wards too (argparse gives them to --wards: _ingest sorts them out)
    p.add_argument("files", nargs="*", type=Path, metavar="FILES", help="CSV files (any kind)")
    p.add_argument(
        "--wards",
        action="extend",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="ward boundaries (any OGR format/CRS); several for one file per district; "
        "required for a new store, else the store's own (with --force-area)",
    )
    p.add_argument(
        "--force-area",
        type=Path,
        metavar="PATH",
        help="the force area; required for a new store, else the store's own (with --wards)",
    )
    p.add_argument("--force", metavar="NAME", help="force code/name when the file holds several")
    _add_store(p)
    p.add_argument(
        "--all-crime-types",
        action="store_true",
        help="keep every crime type / search object, not only drugs",
    )
    p.add_argument(
        "--nearest-ward-m",
        type=float,
        default=NEAREST_WARD_M,
        metavar="M",
        help=f"tolerance for points in the force area but in no ward "
        f"(default {NEAREST_WARD_M:g} m; 0 rejects them)",
    )
    p.add_argument(
        "--allow-shrink",
        action="store_true",
        help="confirm replacing a stored source (a month) by a file keeping fewer than half its "
        "rows, or none (refused without it; see docs/store.md)",
    )
    p.add_argument("--ward-code-column", metavar="COL")
    p.add_argument("--ward-name-column", metavar="COL")
    p.add_argument("--district-code-column", metavar="COL")
    p.add_argument("--district-name-column", metavar="COL")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    add_scheduler_options(p)


def _status_parser(sub: Any, name: str, help_text: str) -> None:
    p = sub.add_parser(name, help=help_text)
    _add_store(p)
    p.add_argument("--json", action="store_true", help="print as JSON")


def _analyse_parser(sub: Any, name: str, help_text: str) -> None:
    from hotspots.cli.analysis import add_period_options
    from hotspots.cli.evaluate import add_assessment_options

    p = sub.add_parser(name, help=help_text)
    add_period_options(p)
    add_scheduler_options(p)
    _add_store(p)
    p.add_argument("--top", type=int, default=20, metavar="N", help="hotspots shown (default 20)")
    p.add_argument("--json", action="store_true", help="print as JSON")
    add_assessment_options(p)


def _export_parser(sub: Any, name: str, help_text: str) -> None:
    from hotspots.cli.analysis import add_export_arguments, add_period_options
    from hotspots.cli.evaluate import add_assessment_options

    p = sub.add_parser(name, help=help_text)
    add_export_arguments(p)
    add_period_options(p)
    add_scheduler_options(p)
    _add_store(p)
    add_assessment_options(p)


def _evaluate_parser(sub: Any, name: str, help_text: str) -> None:
    from hotspots.cli.evaluate import add_evaluate_parser

    _add_store(add_evaluate_parser(sub, help_text))


def _fetch_parser(sub: Any, name: str, help_text: str) -> None:
    from hotspots.cli.fetch import add_fetch_parser

    _add_store(add_fetch_parser(sub, help_text))


def _users_parser(sub: Any, name: str, help_text: str) -> None:
    from hotspots.cli.users import add_users_parser

    _add_store(add_users_parser(sub, help_text))


def _serve_parser(sub: Any, name: str, help_text: str) -> None:
    p = sub.add_parser(name, help=help_text)
    _add_store(p)
    _add_server(p)


def _demo_parser(sub: Any, name: str, help_text: str) -> None:
    p = sub.add_parser(name, help=help_text)
    _add_store(p)
    p.add_argument(
        "--data",
        type=Path,
        default=DEMO_DATA,
        metavar="DIR",
        help="the demo data folder (default: the project's data/)",
    )


#: The subcommands in help order: name -> (help, function adding its parser and arguments).
_COMMANDS: dict[str, tuple[str, Any]] = {
    "ingest": ("read source files into the store, joined to wards", _ingest_parser),
    "status": ("what the store holds, per layer", _status_parser),
    "analyse": ("ranked hotspots and ward movers for a period", _analyse_parser),
    "export": ("write hotspots, ward summaries or events to a file", _export_parser),
    "evaluate": (
        "back-test the hotspot methods on the stored months (PAI, hit rate...)",
        _evaluate_parser,
    ),
    "users": ("create, change, disable and list accounts; the audit log", _users_parser),
    "fetch": ("bring months from the police.uk API into the store", _fetch_parser),
    "serve": ("run the web app (development server; see README)", _serve_parser),
    "demo": ("ingest the bundled demo data and show the store's status", _demo_parser),
}


def _store_after_command(argv: list[str]) -> list[str]:
    """``argv`` with a ``--store DIR`` (or ``--store=DIR``) given before the command moved after
    it: every command takes it, and a user may well write it first (``hotspots --store DIR
    status``), which argparse would read as a command named DIR."""
    if argv[:1] == ["--store"] and len(argv) >= 3:
        return [argv[2], *argv[:2], *argv[3:]]
    if argv[:1] and argv[0].startswith("--store=") and len(argv) >= 2:
        return [argv[1], argv[0], *argv[2:]]
    return argv


def _command_of(argv: Sequence[str]) -> str:
    """The subcommand named in ``argv`` (its first word), or "" for none or an unknown one."""
    first = next((a for a in argv if not a.startswith("-")), "")
    return first if first in _COMMANDS else ""


def _add_store(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--store",
        metavar="DIR",
        help=f"store directory (default: $HOTSPOTS_STORE, else ./{DEFAULT_STORE})",
    )


def _add_server(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=5000, help="port (default 5000)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Everything the command creates (store, rejected rows, exports, accounts) is private to the
    user running it (umask 077, :mod:`hotspots.private`); the previous umask is restored after.
    """
    program = argv is None  # the process is this command (not a caller in Python)
    argv = _store_after_command(sys.argv[1:] if argv is None else list(argv))
    if program and _command_of(argv) == "ingest":
        without_blas_threads()  # before numpy is imported: an ingest makes no BLAS call
    # Building the parser imports what the command needs (pandas, geopandas: ~10^6 objects and
    # no garbage): the cyclic collector's passes over them are skipped (~4 % of the CPU of an
    # ingest of a year of monthly files).
    collecting = gc.isenabled()
    gc.disable()
    try:
        args = build_parser(_command_of(argv)).parse_args(argv)
    finally:
        if program:
            # ...and afterwards too: those objects live as long as the process, so the collector
            # stops looking at them (each full pass over them cost ~5 ms: 0.17 s of an ingest
            # of 12 monthly files, 0.26 s of one of 1M rows).
            gc.freeze()
        if collecting:
            gc.enable()
    umask = private_umask()
    try:
        if args.command == "ingest":
            status = _ingest(args)
            if program:
                _exit_at_once(status)
            return status
        if args.command == "status":
            return _status(args)
        if args.command == "demo":
            return _demo(args)
        if args.command == "serve":
            return _serve(args, _existing_store(args))
        if args.command == "analyse":
            return _analyse(args)
        if args.command == "export":
            return _export(args)
        if args.command == "evaluate":
            from hotspots.cli.evaluate import run_evaluate

            return run_evaluate(args, _existing_store(args))
        if args.command == "users":
            from hotspots.cli.users import run_users

            return run_users(args, _store_path(args.store))
        if args.command == "fetch":
            from hotspots.cli.fetch import run_fetch

            return run_fetch(args, _store_path(args.store))
    except (HotspotsError, FileNotFoundError) as exc:
        print(f"hotspots: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("hotspots: interrupted; the store is as it was before this command", file=sys.stderr)
        return 130
    finally:
        os.umask(umask)
    raise AssertionError(args.command)  # argparse rejects unknown commands


def _exit_at_once(status: int) -> NoReturn:
    """End the process with ``status`` once its output is flushed, without tearing the
    interpreter down: freeing every object of pandas, geopandas and the tables read one by one
    took ~0.15 s of CPU after an ingest had finished. Only for the program itself, once the
    store is committed (every file written, flushed to disk and closed; the lock released)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(status)


def _run_ingest(
    files: Sequence[Path],
    ward_paths: Sequence[Path] | Boundaries,
    force_area_path: Path | Boundaries,
    store: Store,
    *,
    force: str | None = None,
    all_crime_types: bool = False,
    nearest_ward_m: float | None = None,
    columns: dict[str, str | None] | None = None,
    scheduler: str | None = None,
    allow_shrink: bool = False,
) -> IngestReport:
    from concurrent.futures import ThreadPoolExecutor

    from hotspots.cli.distributed import run_ingest
    from hotspots.sources.boundaries import Boundaries, read_force_area, read_wards
    from hotspots.wards import NEAREST_WARD_M

    if nearest_ward_m is None:
        nearest_ward_m = NEAREST_WARD_M
    # The boundaries are read on a thread while the first files are read and checked (both
    # let go of the GIL for most of their work); the ingest waits for them before placing.
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="boundaries") as pool,
        _files_bar(len(files)) as tick,
    ):
        wards: Boundaries | Future[Boundaries] = (
            ward_paths
            if isinstance(ward_paths, Boundaries)
            else pool.submit(read_wards, ward_paths, **(columns or {}))
        )
        area: Boundaries | Future[Boundaries] = (
            force_area_path
            if isinstance(force_area_path, Boundaries)
            else pool.submit(read_force_area, force_area_path, force=force)
        )
        return run_ingest(
            scheduler,
            files,
            wards=wards,
            force_area=area,
            store=store,
            all_crime_types=all_crime_types,
            nearest_ward_m=nearest_ward_m,
            on_file=tick,
            allow_shrink=allow_shrink,
        )


@contextlib.contextmanager
def _files_bar(total: int) -> Iterator[Callable[[Path], None]]:
    """A progress bar of files on a terminal (``tick(path)`` for each file done); nothing, and
    tqdm not imported, when stderr is not one (scripts, services)."""
    if not sys.stderr.isatty():
        yield lambda _path: None
        return
    from tqdm import tqdm

    with tqdm(total=total, unit="file", desc="ingest", file=sys.stderr) as bar:
        yield lambda _path: bar.update(1)


def _files_and_wards(files: list[Path], wards: list[Path]) -> tuple[list[Path], list[Path]]:
    """The CSV files to ingest and the ward files, from ``ingest``'s arguments: ``--wards``
    takes several paths (``--wards wards/*.json``), so CSV files written after them are the
    files to ingest (``.csv``: never a boundary format we are given)."""
    csvs = [p for p in wards if p.suffix.lower() == ".csv"]
    boundaries = [p for p in wards if p.suffix.lower() != ".csv"]
    if not boundaries:
        raise HotspotsError("--wards: no ward boundary file given (a .csv is a file to ingest)")
    if not files and not csvs:
        raise HotspotsError("no files to ingest: give the CSV files (FILES) to read")
    return [*files, *csvs], boundaries


def _ingest_inputs(
    args: argparse.Namespace, store: Store
) -> tuple[list[Path], list[Path] | Boundaries, Path | Boundaries]:
    """The files to ingest, the wards and the force area: the paths given, or, with neither
    ``--wards`` nor ``--force-area``, the boundaries the store already holds (a new month of an
    existing force, as ``hotspots fetch`` does): ``hotspots ingest 2019-10-*.csv`` was refused
    for want of the two options the store already records."""
    if args.wards or args.force_area is not None:
        if not (args.wards and args.force_area is not None):
            raise HotspotsError(
                "--wards and --force-area go together: give both, or neither to use the store's own"
            )
        files, wards = _files_and_wards(args.files, args.wards)
        return files, wards, args.force_area
    from hotspots.ingest import stored_boundaries

    if not (store.exists() and store.manifest()["boundaries"].get("wards")):
        raise HotspotsError(f"{store.path}: a new store: give --wards PATH and --force-area PATH")
    if (
        args.force
        or any(getattr(args, c) for c in ("ward_code_column", "ward_name_column"))
        or any(getattr(args, c) for c in ("district_code_column", "district_name_column"))
    ):
        raise HotspotsError(
            "--force and the boundary column options choose from --wards and --force-area: "
            "give those too, or none of them to use the store's own"
        )
    if not args.files:
        raise HotspotsError("no files to ingest: give the CSV files (FILES) to read")
    held = stored_boundaries(store, "wards"), stored_boundaries(store, "force_area")
    return list(args.files), held[0], held[1]


def _ingest(args: argparse.Namespace) -> int:
    from hotspots.report import format_ingest
    from hotspots.store import Store

    store = Store(_store_path(args.store))
    files, wards, area = _ingest_inputs(args, store)
    report = _run_ingest(
        files,
        wards,
        area,
        store,
        force=args.force,
        all_crime_types=args.all_crime_types,
        nearest_ward_m=args.nearest_ward_m,
        scheduler=scheduler_address(args),
        allow_shrink=args.allow_shrink,
        columns={
            "code_column": args.ward_code_column,
            "name_column": args.ward_name_column,
            "district_code_column": args.district_code_column,
            "district_name_column": args.district_name_column,
        },
    )
    if args.json:
        _print_json(
            {
                "token": report.token,
                "store": str(store.path),
                "version": report.version,
                "changed": report.changed,
                "unchanged": report.unchanged,
                "sources": report.sources,
                "skipped": report.skipped,
                "reconciles": report.reconciles(),
            }
        )
    else:
        print(format_ingest(report))
    return 0 if report.reconciles() else 1


def _status(args: argparse.Namespace) -> int:
    from hotspots.report import format_status, status_dict
    from hotspots.store import Store

    store = Store(_store_path(args.store))
    if not store.exists():
        print(
            f"hotspots: error: {store.path}: no store here yet; run `hotspots ingest` "
            "(or `hotspots demo`) first",
            file=sys.stderr,
        )
        return 2
    if args.json:
        _print_json(status_dict(store))
    else:
        print(format_status(store))
    return 0


def _existing_store(args: argparse.Namespace) -> Store:
    from hotspots.store import Store

    store = Store(_store_path(args.store))
    if not store.exists():
        raise StoreError(
            f"{store.path}: no store here yet; run `hotspots ingest` (or `hotspots demo`) first"
        )
    return store


def _analyse(args: argparse.Namespace) -> int:
    from hotspots.cli.analysis import format_analysis, run_analysis
    from hotspots.presentation import analysis_json

    analysis = run_analysis(args, _existing_store(args))
    if args.json:
        _print_json(analysis_json(analysis, args.top))
    else:
        print(format_analysis(analysis, args.top))
    return 0


def _export(args: argparse.Namespace) -> int:
    from hotspots.cli.analysis import run_export

    path = run_export(args, _existing_store(args))
    print(f"wrote {path}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from hotspots.report import format_ingest, format_status
    from hotspots.store import Store

    data: Path = args.data
    street = sorted((data / "police_uk").glob("*.csv"))
    raids = sorted((data / "raids").glob("*.csv"))
    wards = data / "boundaries" / "wards_dec2023_bsc.geojson"
    area = data / "boundaries" / "force_area_pfa_dec2023_bsc.geojson"
    if not street or not wards.is_file() or not area.is_file():
        print(
            f"hotspots: error: {data}: demo data not found (expected police_uk/*.csv and "
            "boundaries/ from the project's data/ folder; pass --data DIR)",
            file=sys.stderr,
        )
        return 2
    store = Store(_store_path(args.store))
    scheduler = scheduler_address(args)
    report = _run_ingest([*street, *raids], [wards], area, store, scheduler=scheduler)
    print(format_ingest(report))
    print()
    print(format_status(store))
    from hotspots.cli.users import DEMO_ACCOUNTS, DEMO_ACCOUNTS_FILE, area_names, demo_accounts

    made = demo_accounts(store.path)
    if made:
        print(
            "\nDemo accounts (random passwords, also in "
            f"{store.path / DEMO_ACCOUNTS_FILE}, readable by you only):"
        )
        scopes = {name: scope for name, _role, scope in DEMO_ACCOUNTS}
        for name, role, password in made:
            named = f"  area: {area_names(store.path, scopes[name])}" if scopes.get(name) else ""
            print(f"  {name:18} {role:13} {password}{named}")
    else:
        print(f"\nDemo accounts: as before (passwords in {store.path / DEMO_ACCOUNTS_FILE})")
    serve = "hotspots serve" + (f" --store {shlex.quote(str(args.store))}" if args.store else "")
    print(f"\nNext: `{serve}`, open http://127.0.0.1:5000/ and sign in with an account above")
    return 0 if report.reconciles() else 1


def _serve(args: argparse.Namespace, store: Store) -> int:
    from werkzeug.serving import make_server

    from hotspots.users import UserStore
    from web import create_app  # the library never needs Flask; only this command does
    from web.security import QuietRequestHandler

    config: dict[str, Any] = {"STORE": str(store.path)}
    loopback = args.host in ("127.0.0.1", "localhost", "::1")
    if loopback and "COOKIE_SECURE" not in configured():
        # plain HTTP that never leaves this machine: some browsers (Safari) refuse Secure
        # cookies on http://localhost; behind TLS in production the default (Secure) stands
        config["COOKIE_SECURE"] = False
    app = create_app(config)
    try:  # bind first, so a busy port is one clear line, not "Serving at ..." and werkzeug's
        listening = _listen(args.host, args.port)
    except OSError as exc:
        busy = exc.errno == errno.EADDRINUSE
        print(
            f"hotspots: error: cannot listen on {args.host}:{args.port}: "
            + ("the port is in use (another `hotspots serve`?)" if busy else str(exc.strerror))
            + f"; choose another with --port, e.g. `hotspots serve --port {args.port + 1}`",
            file=sys.stderr,
        )
        return 2
    server = make_server(
        args.host,
        args.port,
        app,
        threaded=True,
        request_handler=QuietRequestHandler,
        fd=listening.fileno(),
    )
    print(f"Serving {store.path} at http://{args.host}:{args.port}/  (Ctrl-C to stop)", flush=True)
    from hotspots.cli.users import DEMO_ACCOUNTS_FILE

    accounts = UserStore(app.config["USERS_DB"]).users()
    if not accounts:
        print("No accounts yet: make one with `hotspots users add NAME --role analyst --generate`")
    elif (store.path / DEMO_ACCOUNTS_FILE).is_file():
        print(f"Sign in with a demo account from {store.path / DEMO_ACCOUNTS_FILE}", flush=True)
    server.serve_forever()  # `Server: hotspots`, no versions (QuietRequestHandler)
    return 0


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` and listening, as werkzeug's server binds it (raises
    OSError, e.g. EADDRINUSE, instead of werkzeug's two lines and exit status 1)."""
    from werkzeug.serving import LISTEN_QUEUE, get_sockaddr, select_address_family

    family = select_address_family(host, port)
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(get_sockaddr(host, port, family))
        sock.listen(LISTEN_QUEUE)
    except OSError:
        sock.close()
        raise
    return sock


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=True, default=str))

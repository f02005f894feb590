"""The ``hotspots`` command line: only the console script and ``hotspots serve`` enter here.

The library (``hotspots.*`` outside this package) and the web app never import it
(tests/test_layering.py). One module per group of commands:

- :mod:`hotspots.cli.commands`: the parser, ``main``, ingest, status, demo and serve;
- :mod:`hotspots.cli.analysis`: ``analyse`` and ``export`` (period options, the text table);
- :mod:`hotspots.cli.evaluate`: ``evaluate`` and the assessment options;
- :mod:`hotspots.cli.fetch`: ``fetch`` (data.police.uk's API);
- :mod:`hotspots.cli.users`: ``users`` (accounts and API tokens) and the demo accounts;
- :mod:`hotspots.cli.distributed`: the Dask scheduler options.
"""

from __future__ import annotations

from hotspots.cli.commands import DEFAULT_STORE, DEMO_DATA, build_parser, main

__all__ = ["DEFAULT_STORE", "DEMO_DATA", "build_parser", "main"]

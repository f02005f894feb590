"""``python -m hotspots.cli``: the same as the ``hotspots`` console script."""

from __future__ import annotations

from hotspots.cli.commands import main

raise SystemExit(main())

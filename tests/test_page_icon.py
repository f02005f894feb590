"""Every page names its icon, which the app serves: without it each browser asks
``/favicon.ico`` and logs a 404 in the console on every page (Merseyside walkthrough)."""

from __future__ import annotations

import re

from tests.helpers import ClientFor


def test_pages_link_an_icon_the_app_serves(client_for: ClientFor) -> None:
    anonymous, analyst = client_for(None), client_for("analyst")
    for client, path in ((anonymous, "/login"), (analyst, "/"), (analyst, "/briefing")):
        page = client.get(path).get_data(as_text=True)
        link = re.search(r'<link rel="icon" href="([^"]+)"', page)
        assert link is not None, path
        icon = anonymous.get(link.group(1))
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml", path

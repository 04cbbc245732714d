"""Live listening: connectors that collect mentions from the platforms, on a schedule.

One module per kind of source, each exporting a :class:`~scrm.listen.base.Connector`
(the contract is in :mod:`scrm.listen.base`); :data:`CONNECTORS` is the
registry, in the order the README and ``sources add --help`` list them.
:mod:`scrm.listen.sources` stores sources, runs them (``collect``) and keeps
their cursors and runs. Writes reach the app only through :mod:`scrm.api`.
"""

from __future__ import annotations

from scrm.listen import bluesky, discourse, hackernews, mastodon, reddit, rss, youtube
from scrm.listen.base import Batch, Connector, Http, Setting

CONNECTORS: dict[str, Connector] = {
    c.kind: c
    for c in (
        rss.CONNECTOR,
        mastodon.CONNECTOR,
        bluesky.CONNECTOR,
        hackernews.CONNECTOR,
        youtube.CONNECTOR,
        discourse.CONNECTOR,
        reddit.CONNECTOR,
    )
}
KINDS: tuple[str, ...] = tuple(CONNECTORS)

__all__ = ["CONNECTORS", "KINDS", "Batch", "Connector", "Http", "Setting"]

"""The pages' HTML: one Jinja2 environment (autoescaped), its filters, and the links a page makes.

Everything a page shows of a record is escaped: the environment autoescapes, event sentences (stored
Markdown-safe) are turned back into plain text before they are escaped, and a link is only ever
``http(s)`` or a path of ours. The same templates serve the live pages and the static site; only the
:class:`Links` differ (absolute paths with forms, or relative files without).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape

from monitor.core.changelog import plain

LEVEL_ORDER = ("high", "medium", "low", "info")


@dataclass(frozen=True)
class Links:
    """Where a page's links point: the live web face (``static`` False) or a static site's files."""

    static: bool = False
    depth: int = 0  # a static page's folders below the site's root

    def _up(self) -> str:
        return "../" * self.depth

    def home(self, **filters: Any) -> str:
        query = urlencode({k: v for k, v in filters.items() if v not in (None, "") and not (k == "page" and v == 1)})
        if self.static:
            page = int(filters.get("page") or 1)
            return f"{self._up()}index.html" if page == 1 else f"{self._up()}index-{page}.html"
        return "/" + (f"?{query}" if query else "")

    def trial(self, trial_id: str) -> str:
        return f"{self._up()}trials/{quote(trial_id)}.html" if self.static else f"/trials/{quote(trial_id)}"

    def feed(self) -> str:
        return f"{self._up()}feed.atom" if self.static else "/feed.atom"

    def trial_feed(self, trial_id: str) -> str:
        return f"{self._up()}trials/{quote(trial_id)}.atom" if self.static else f"/trials/{quote(trial_id)}/feed.atom"

    def asset(self, name: str) -> str:
        return f"{self._up()}static/{name}" if self.static else f"/static/{name}"


def safe_link(url: str | None) -> str:
    """A link for an ``href``: http(s) URLs only (anything else becomes a harmless ``#``)."""
    if not url:
        return "#"
    return url if urlsplit(url).scheme in ("http", "https") else "#"


def when(moment: datetime | None, with_time: bool = True) -> str:
    if moment is None:
        return "—"
    return moment.strftime("%Y-%m-%d %H:%M UTC" if with_time else "%Y-%m-%d")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("monitor.web", "templates"),
        autoescape=select_autoescape(["html", "xml"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["plain"] = plain
    env.filters["safe_link"] = safe_link
    env.filters["when"] = when
    env.filters["day"] = lambda moment: when(moment, with_time=False)
    return env


def page(name: str, **context: Any) -> str:
    """A page rendered from ``templates/<name>``."""
    return environment().get_template(name).render(**context)

"""``notify:`` entries: an apprise URL (or config file path), or a mapping with per-target choices.

::

    timezone: Europe/Paris               # for digest times (default UTC)
    notify:
      - mailto://me@example.org          # immediate, levels high and medium
      - url: tgram://bottoken/chatid
        min_level: high                  # only high events
        kinds: [status, results]         # only these kinds
      - url: mailto://team@example.org
        digest: daily at 08:00           # or: weekly on monday at 08:00
        template: templates/team.html    # relative to the watchlist's folder

Every problem is one line with the watchlist line; a URL is only ever shown masked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from monitor.core.choices import Choices, kinds_from, level_from
from monitor.core.schedule import parse_digest, zone
from monitor.delivery.render import TemplateProblem, TemplateSource, compile_template

from ._base import item_line, key_line, kind, value_line
from ._targets import Target, TargetProblem, make_target

NOTIFY_KEYS = ("url", "min_level", "kinds", "digest", "template")
# a template's extension says how values are escaped in it (a trailing .j2/.jinja is allowed)
TEMPLATE_STYLES = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown", ".txt": "text"}


def parse_timezone(data: Any, fail: Any) -> str:
    """The watchlist's ``timezone:`` (an IANA name), default UTC."""
    value = data.get("timezone")
    if value is None:
        return "UTC"
    if not isinstance(value, str):
        raise fail(f"timezone must be an IANA time zone name such as Europe/Paris, not {kind(value)}",
                   value_line(data, "timezone"))
    try:
        zone(value)
    except ValueError as exc:
        raise fail(f"timezone: {exc}", value_line(data, "timezone")) from None
    return value.strip()


def parse_targets(path: Path, data: Any, env: Mapping[str, str], fail: Any, zone_name: str = "UTC") -> tuple[Target, ...]:
    """Every ``notify`` entry as a Target; the same URL twice is notified once (the first entry wins)."""
    value = data.get("notify")
    if value is None:
        return ()
    if isinstance(value, str):
        entries = [(value, value_line(data, "notify"))]
    elif isinstance(value, list):
        entries = [(item, item_line(value, i) or key_line(data, "notify")) for i, item in enumerate(value)]
    else:
        raise fail(f"notify must be a list of apprise URLs (or mappings with a url), not {kind(value)}",
                   value_line(data, "notify"))
    targets: dict[str, Target] = {}
    for entry, line in entries:
        target = replace(_entry(path, entry, line, env, fail, zone_name), zone=zone_name)
        targets.setdefault(target.key, target)
    return tuple(targets.values())


def _entry(path: Path, entry: Any, line: int | None, env: Mapping[str, str], fail: Any, zone_name: str) -> Target:
    if isinstance(entry, Mapping):
        return _mapping(path, entry, line, env, fail, zone_name)
    if not isinstance(entry, str) or not entry.strip():
        shown = "empty" if isinstance(entry, str) or entry is None else kind(entry)
        raise fail(f"notify entries must be apprise URLs or config file paths, not {shown} (or mappings with a url: key)", line)
    try:
        return make_target(entry, path.parent, env)
    except TargetProblem as e:
        raise fail(str(e), line) from None


def _mapping(path: Path, entry: Any, line: int | None, env: Mapping[str, str], fail: Any, zone_name: str) -> Target:
    for key in entry:
        if key not in NOTIFY_KEYS:
            raise fail(f"unknown key '{key}' in a notify entry (known: {', '.join(NOTIFY_KEYS)})",
                       key_line(entry, key) or line)

    def at(key: str) -> int | None:
        return value_line(entry, key) or line

    url = entry.get("url")
    if not isinstance(url, str) or not url.strip():
        shown = "missing" if url is None else ("empty" if isinstance(url, str) else kind(url))
        raise fail(f"a notify entry written as a mapping needs a url: (an apprise URL), {shown} here", at("url"))
    try:
        target = make_target(url, path.parent, env)
    except TargetProblem as e:
        raise fail(str(e), at("url")) from None

    min_level = target.choices.min_level
    if entry.get("min_level") is not None:
        raw = entry["min_level"]
        try:
            min_level = level_from(raw if isinstance(raw, str) else kind(raw))
        except ValueError as e:
            raise fail(str(e), at("min_level")) from None

    kinds: tuple[str, ...] = ()
    if entry.get("kinds") is not None:
        raw = entry["kinds"]
        names = [raw] if isinstance(raw, str) else raw
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            shown = "an empty list" if names == [] else kind(raw)
            raise fail(f"kinds must be a list of event kinds such as [status, results], not {shown}", at("kinds"))
        try:
            kinds = kinds_from(names)
        except ValueError as e:
            raise fail(f"kinds: {e}", at("kinds")) from None

    digest = None
    if entry.get("digest") is not None:
        try:
            digest = parse_digest(entry["digest"], zone_name)
        except ValueError as e:
            raise fail(str(e), at("digest")) from None

    template = None
    if entry.get("template") is not None:
        template = _template(path, entry["template"], at("template"), fail)
    return replace(target, choices=Choices(min_level, kinds), digest=digest, template=template)


def _template(path: Path, raw: Any, line: int | None, fail: Any) -> TemplateSource:
    """Read and compile a template file now: a syntax error is a watchlist error (file and line)."""
    if not isinstance(raw, str) or not raw.strip():
        raise fail(f"template must be the path of a template file, not {kind(raw) if raw != '' else 'empty'}", line)
    file = Path(raw.strip()).expanduser()
    file = file if file.is_absolute() else path.parent / file
    suffixes = [s.lower() for s in file.suffixes]
    while suffixes and suffixes[-1] in (".j2", ".jinja", ".jinja2"):
        suffixes.pop()
    style = TEMPLATE_STYLES.get(suffixes[-1] if suffixes else "")
    if style is None:
        raise fail(f"template '{raw.strip()}': name it .html, .md or .txt (the extension says how values are escaped)", line)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise fail(f"template '{raw.strip()}' not found (paths are relative to the watchlist's folder)", line) from None
    except (OSError, ValueError) as e:  # ValueError: not UTF-8 (UnicodeDecodeError), or a NUL in the path
        reason = "not UTF-8 text" if isinstance(e, UnicodeDecodeError) else (getattr(e, "strerror", None) or str(e))
        raise fail(f"template '{raw.strip()}' cannot be read ({reason})", line) from None
    source = TemplateSource(name=raw.strip(), text=text, style=style)
    try:
        compile_template(source)
    except TemplateProblem as e:
        raise fail(str(e), line) from None
    return source

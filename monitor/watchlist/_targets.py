"""Notification targets: ${VAR} substitution, apprise validation and privacy masking."""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from monitor.core.choices import Choices
from monitor.core.schedule import DigestSpec
from monitor.delivery.render import TemplateSource

_VAR_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_BAD_VAR_RE = re.compile(r"\$\{(?![A-Za-z_][A-Za-z0-9_]*\})[^}\s]{0,20}")
_SECRET_KEY_RE = re.compile(r"pass|pwd|secret|token|key|auth|sig|cred|session|bearer", re.I)


@dataclass(frozen=True)
class Target:
    """One notification target. ``url`` may hold secrets: log and print ``masked`` only.

    ``choices`` filters what it is told, ``digest`` (when set) gathers it into one message at
    set times, ``template`` (when set) replaces the default message layout.
    """

    url: str
    masked: str
    key: str  # sha256 hex of ``url``: a stable id that never reveals the secret
    config_path: str | None = None  # set when the entry is an apprise config file
    choices: Choices = Choices()
    digest: DigestSpec | None = None
    template: TemplateSource | None = None
    zone: str = "UTC"  # the watchlist's timezone: dates in messages, digest times

    def __repr__(self) -> str:  # keep secrets out of tracebacks and debug output
        return (f"Target(masked={self.masked!r}, key={self.key[:12]!r}…, config_path={self.config_path!r}, "
                f"choices={self.choices!r}, digest={self.digest!r})")


class TargetProblem(ValueError):
    """A notify entry is unusable; the message is safe to show (no secret in it)."""


def substitute(text: str, env: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """Replace ``${NAME}`` by the environment's value; TargetProblem names an unset variable."""
    if bad := _BAD_VAR_RE.search(text):
        raise TargetProblem(f"notify: '{bad.group(0)}…' is not a variable reference (write ${{NAME}})")
    used: dict[str, str] = {}

    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in env:
            raise TargetProblem(f"notify: environment variable {name} is not set (used as ${{{name}}})")
        used[name] = env[name]
        return env[name]

    return _VAR_RE.sub(one, text), used


@contextmanager
def quiet_apprise() -> Iterator[None]:
    """Silence apprise while validating: at DEBUG/TRACE it logs URLs with their secrets."""
    logger = logging.getLogger("apprise")
    before = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(before)


def make_target(entry: str, base_dir: Path, env: Mapping[str, str]) -> Target:
    """Turn one ``notify`` entry into a validated Target; TargetProblem (masked) when unusable."""
    import apprise  # imported late: loading its plugins takes a moment

    url, used = substitute(entry.strip(), env)
    if "://" not in url:  # not a URL: a path to an apprise config file
        path = Path(url).expanduser()
        path = path if path.is_absolute() else base_dir / path
        shown = hide_values(_mask_generic(url), used)
        if not _is_file(path):
            raise TargetProblem(
                f"notify entry '{shown}' is neither a URL (scheme://…) nor an existing apprise config file"
            )
        with quiet_apprise():
            config = apprise.AppriseConfig()
            config.add(str(path))
            services = apprise.Apprise()
            services.add(config)
            count = len(services)
        if count == 0:
            raise TargetProblem(f"apprise config file '{shown}' defines no usable notification service")
        resolved = str(path.resolve())
        return Target(url=resolved, masked=resolved, key=_key(resolved), config_path=resolved)

    with quiet_apprise():
        plugin = apprise.Apprise.instantiate(url)
    masked = hide_values(mask_url(url, plugin), used)
    if plugin is None:
        raise TargetProblem(f"notify target '{masked}' is not a URL any notification service understands")
    return Target(url=url, masked=masked, key=_key(url))


def _is_file(path: Path) -> bool:
    """Whether ``path`` is a file; False for a name too long or otherwise unusable (pathlib raises on those)."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _key(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- masking


def mask_url(url: str, plugin: Any = None) -> str:
    """A form of ``url`` safe for logs: passwords, tokens and header values hidden."""
    if plugin is not None:
        try:
            with quiet_apprise():
                return _tidy(plugin.url(privacy=True), url)
        except Exception:  # noqa: BLE001 - a plugin that cannot render itself: mask it ourselves
            pass
    return _mask_generic(url)


def hide_values(masked: str, used: Mapping[str, str]) -> str:
    """Put ``${NAME}`` back wherever a substituted value still shows."""
    for name, value in sorted(used.items(), key=lambda kv: -len(kv[1])):
        if len(value) >= 4:
            masked = masked.replace(value, f"${{{name}}}")
    return masked


def _query_pairs(query: str) -> list[tuple[str, str]]:
    return [(k, v) for k, _, v in (p.partition("=") for p in query.split("&") if p)]


def _mask_value(key: str, value: str) -> str:
    name = unquote(key)
    if name[:1] in "+-" or _SECRET_KEY_RE.search(name):
        return "****" if value else value
    return value if len(unquote(value)) < 24 else _abbrev(value, 0)


def _tidy(private: str, original: str) -> str:
    """apprise's privacy URL, keeping only the query arguments the user wrote (headers masked)."""
    base, _, query = private.partition("?")
    wanted = {unquote(k).lower() for k, _ in _query_pairs(original.partition("?")[2])}
    kept = [f"{unquote(k)}={_mask_value(k, v)}" for k, v in _query_pairs(query) if unquote(k).lower() in wanted]
    return base + ("?" + "&".join(kept) if kept else "")


def _abbrev(part: str, longer_than: int = 11) -> str:
    return f"{part[0]}...{part[-1]}" if len(part) > longer_than and len(part) > 2 else part


def _hostlike(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    if "." in name or name.lower() == "localhost":
        return True
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def _mask_generic(url: str) -> str:
    """Our own masking for what apprise cannot parse: user:****@, long tokens abbreviated."""
    scheme, sep, rest = url.partition("://")
    if not sep:  # e.g. a path, or "mailto:user:pw@host" without the slashes
        return re.sub(r"(?<=:)[^:@/\s]+(?=@)", "****", url)
    rest, hashmark, fragment = rest.partition("#")
    hier, qmark, query = rest.partition("?")
    auth, at, hostpath = hier.rpartition("@")
    host, slash, path = hostpath.partition("/")
    out = f"{scheme}://"
    if at:
        user, colon, _password = auth.partition(":")
        out += _abbrev(user) + (":****" if colon else "") + "@"
    out += (host if _hostlike(host) else _abbrev(host)) + slash
    out += "/".join(_abbrev(p) for p in path.split("/")) if slash else ""
    if qmark:
        out += "?" + "&".join(f"{k}={_mask_value(k, v)}" if v else k for k, v in _query_pairs(query))
    return out + (hashmark + _abbrev(fragment) if hashmark else "")

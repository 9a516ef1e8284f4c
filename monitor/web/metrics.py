"""``/metrics``: the monitor in Prometheus' text format, read from the database at each scrape (so a
second process serving the same database tells the same story). No per-trial labels; a target is
named by its service (``json``, ``mailto`` …), never its URL."""

from __future__ import annotations

import platform
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from monitor import __version__
from monitor.registry.catalogue import DEFAULT
from monitor.store import browse, outbox
from monitor.web.host import Host, host_of

BUCKETS = (1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)  # seconds a check took


def service(url: str) -> str:
    """A target's service: its URL's scheme (``mailtos`` → ``mailtos``); a config file: ``config``."""
    scheme, sep, _ = url.partition("://")
    return scheme.lower() if sep and scheme.isalnum() else "config"


class MonitorCollector:
    """Every metric, from the database, at each scrape."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def collect(self) -> Iterator[Metric]:
        watchlist = self.host.watchlist()
        services = {t.key: service(t.url) for t in watchlist.targets} or {"console": "console"}
        with Session(self.host.engine) as session:
            outcomes = browse.checks_by_outcome(session)
            runs = browse.check_runs(session)
            last_good = browse.last_good_check(session)
            events = browse.events_by_kind_and_level(session)
            deliveries = browse.deliveries_by_state_and_target(session)
            pending = outbox.delivery_counts(session).get("pending", 0)
            watched = browse.trial_count(session, DEFAULT)
        checks = CounterMetricFamily("trial_monitor_checks", "Checks, by how they ended", labels=["outcome"])
        for outcome, count in sorted(outcomes.items()):
            checks.add_metric([outcome], count)
        yield checks
        yield CounterMetricFamily("trial_monitor_registry_requests", "Requests sent to the registry",
                                  value=sum(requests for _, _, requests in runs))
        yield _histogram(runs)
        changes = CounterMetricFamily("trial_monitor_change_events", "Change events found, by kind and level",
                                      labels=["kind", "level"])
        for (kind, level), count in sorted(events.items()):
            changes.add_metric([kind, level], count)
        yield changes
        sent = CounterMetricFamily("trial_monitor_deliveries", "Deliveries, by outcome and target service",
                                   labels=["outcome", "target"])
        by_service: dict[tuple[str, str], int] = {}
        for (state, key), count in deliveries.items():
            label = (state, services.get(key, "removed"))
            by_service[label] = by_service.get(label, 0) + count
        for (state, target), count in sorted(by_service.items()):
            sent.add_metric([state, target], count)
        yield sent
        yield GaugeMetricFamily("trial_monitor_deliveries_pending", "Deliveries waiting to be sent", value=pending)
        yield GaugeMetricFamily("trial_monitor_watched_trials", "Trials known to the monitor", value=watched)
        yield GaugeMetricFamily("trial_monitor_last_good_check_timestamp_seconds",
                                "When the last good check finished (Unix time)",
                                value=last_good.timestamp() if last_good else 0)
        info = GaugeMetricFamily("trial_monitor_build_info", "The running version", labels=["version", "python"])
        info.add_metric([__version__, platform.python_version()], 1)
        yield info


def _histogram(runs: list[Any]) -> HistogramMetricFamily:
    durations = [(finished - started).total_seconds() for started, finished, _ in runs]
    buckets = [(str(bound), sum(1 for d in durations if d <= bound)) for bound in BUCKETS]
    buckets.append(("+Inf", len(durations)))
    return HistogramMetricFamily("trial_monitor_check_duration_seconds", "How long checks took",
                                 buckets=buckets, sum_value=sum(durations))


def metrics(request: Request) -> Response:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(MonitorCollector(host_of(request)))  # type: ignore[arg-type]
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

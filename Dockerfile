# trial-monitor as a container service. Data (watchlist.yaml and the database) lives on /data.
# BASE_IMAGE is a build argument so machines that cannot pull python:3.12-slim can pass their own.
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /opt/trial-monitor
COPY pyproject.toml README.md ./
COPY monitor ./monitor
COPY watchlist.yaml ./watchlist.yaml
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --quiet '/opt/trial-monitor[postgres]' \
 && useradd --uid 10001 --user-group --home-dir /data --no-create-home monitor \
 && mkdir -p /data \
 && chown monitor:monitor /data

ENV PATH=/opt/venv/bin:$PATH \
    MONITOR_WATCHLIST=/data/watchlist.yaml \
    MONITOR_DATABASE_URL=sqlite:////data/snapshots/monitor.db \
    MONITOR_HEARTBEAT=/data/snapshots/heartbeat.json

VOLUME ["/data"]
WORKDIR /data
USER monitor

# Healthy only while the scheduler makes progress (a fresh heartbeat and recent checks).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["trial-monitor", "health"]
STOPSIGNAL SIGTERM

# First start on an empty volume: seed it with the bundled watchlist, then run the daemon as PID 1.
CMD ["sh", "-c", "[ -f \"$MONITOR_WATCHLIST\" ] || cp /opt/trial-monitor/watchlist.yaml \"$MONITOR_WATCHLIST\"; exec trial-monitor run"]

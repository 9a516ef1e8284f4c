# trial-monitor as a container service. Data (watchlist.yaml and the database) lives on /data.
#
#   docker build -t trial-monitor .
#   docker run -d --name trial-monitor -p 8321:8321 -v trial-monitor-data:/data trial-monitor
#   docker logs trial-monitor          # the web face's sign-in URL (http://localhost:8321/login?token=…)
#   docker exec trial-monitor trial-monitor list
#
# BASE_IMAGE is a build argument so machines that cannot pull python:3.12-slim can pass their own
# (any Debian-like image with python >= 3.11, `python -m venv` and useradd).
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Install from a throw-away copy of the source; only the venv and the bundled watchlist stay.
COPY pyproject.toml README.md /tmp/src/
COPY monitor /tmp/src/monitor
COPY watchlist.yaml /opt/trial-monitor/watchlist.yaml
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --quiet '/tmp/src[postgres]' \
 && rm -rf /tmp/src \
 && /opt/venv/bin/trial-monitor version \
 && useradd --uid 10001 --user-group --home-dir /data --no-create-home --shell /usr/sbin/nologin monitor \
 && mkdir -p /data/snapshots \
 && chown -R 10001:10001 /data

ENV PATH=/opt/venv/bin:$PATH \
    MONITOR_WATCHLIST=/data/watchlist.yaml \
    MONITOR_DATABASE_URL=sqlite:////data/snapshots/monitor.db \
    MONITOR_HEARTBEAT=/data/snapshots/heartbeat.json \
    MONITOR_WEB_LISTEN=0.0.0.0:8321

# The web face (its access token is kept in /data/snapshots/web-token, mode 0600).
EXPOSE 8321
VOLUME ["/data"]
WORKDIR /data
# Numeric, so that orchestrators can verify "runAsNonRoot" without reading /etc/passwd.
USER 10001:10001

# Healthy only while the scheduler makes progress (a fresh heartbeat and recent checks).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["trial-monitor", "health"]
STOPSIGNAL SIGTERM

# First start on an empty volume: seed it with the bundled watchlist. Then `exec` the command, so
# that it (by default the daemon) is PID 1 and receives the stop signal itself.
ENTRYPOINT ["/bin/sh", "-c", "if [ ! -e \"$MONITOR_WATCHLIST\" ]; then mkdir -p \"$(dirname \"$MONITOR_WATCHLIST\")\" && cp /opt/trial-monitor/watchlist.yaml \"$MONITOR_WATCHLIST\" && echo \"trial-monitor: seeded $MONITOR_WATCHLIST with the bundled watchlist\" >&2; fi; exec \"$@\"", "trial-monitor-entrypoint"]
CMD ["trial-monitor", "run"]

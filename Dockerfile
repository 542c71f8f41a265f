# syntax=docker/dockerfile:1
# Build: docker build -t studybot .
# Run:   docker run -e DISCORD_TOKEN=... -v studybot-data:/data studybot

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY migrations migrations
COPY curriculum curriculum
COPY src src
COPY benches benches
# Workspace members (the dev-only fake Discord and throwaway PostgreSQL): cargo reads their
# manifests to resolve the lock file.
COPY crates crates
COPY licenses licenses
RUN cargo build --release --locked --bin studybot

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 studybot \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --shell /usr/sbin/nologin studybot \
    && mkdir -p /data && chown 10001:10001 /data
WORKDIR /app
COPY --from=build /src/target/release/studybot /usr/local/bin/studybot
# The curriculum is also built into the binary; this copy can be edited or mounted over.
COPY curriculum /app/curriculum
# The chart's font is built into the binary; its licence ships with it.
COPY licenses /usr/share/doc/studybot/licenses
COPY THIRD_PARTY_LICENSES.md /usr/share/doc/studybot/THIRD_PARTY_LICENSES.md
ENV STUDYBOT_DATABASE=/data/studybot.db \
    STUDYBOT_CURRICULUM=/app/curriculum \
    STUDYBOT_METRICS_ADDR=0.0.0.0:9464
# /metrics, /livez, /readyz on every interface of the container (9464: the port Prometheus
# reserves for exporters like this one), so `docker run -p 127.0.0.1:9464:9464` can publish it.
EXPOSE 9464
VOLUME ["/data"]
USER 10001:10001
# On SIGTERM the bot answers the interactions it already received (at most 6 s), then stops:
# inside Docker's default 10 s grace period.
STOPSIGNAL SIGTERM
# Ready = every shard connected, the database answering and taking writes, REST requests not
# held, the scheduler ticking (/readyz).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["studybot", "healthcheck"]
ENTRYPOINT ["studybot"]
CMD ["run"]

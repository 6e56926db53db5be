# greenloop container image: `greenloop serve` under tini, as a non-root user.
# The build step is the same command CI runs (`cargo build --release --locked`, see .ci/run).

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked

FROM debian:bookworm-slim
# ca-certificates for HTTPS probes (reqwest with rustls needs a CA bundle), tini so greenloop is
# not PID 1 reaping zombies by accident, python3 because most batteries (pytest) need it.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tini python3 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 greenloop
COPY --from=build /src/target/release/greenloop /usr/local/bin/greenloop
WORKDIR /srv/greenloop
# Defaults: mount your own config/ and loops/ over these.
COPY docker/greenloop.toml config/greenloop.toml
COPY loops/ loops/
RUN mkdir -p reports state && chown greenloop reports state
USER greenloop
ENV GREENLOOP_ROOT=/srv/greenloop \
    GREENLOOP_LOG_FORMAT=json
VOLUME ["/srv/greenloop/reports", "/srv/greenloop/state"]
EXPOSE 7878
# The binary checks itself: exit 0 when /healthz answers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["greenloop", "healthcheck"]
# On `docker stop` (SIGTERM) greenloop interrupts the running iteration, writes its report and
# exits within [limits] shutdown_grace (30 s by default): give docker at least that long.
STOPSIGNAL SIGTERM
ENTRYPOINT ["tini", "--", "greenloop"]
CMD ["serve"]

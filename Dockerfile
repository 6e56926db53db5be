# greenloop container image (first version; `greenloop serve` arrives with the daemon).
# The build step is the same command CI runs (`cargo build --release --locked`, see .ci/run).

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked

FROM debian:bookworm-slim
# ca-certificates for HTTPS probes, tini so greenloop is not PID 1 reaping zombies by accident,
# python3 because the example loop and most batteries (pytest) need it.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tini python3 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 greenloop
COPY --from=build /src/target/release/greenloop /usr/local/bin/greenloop
WORKDIR /srv/greenloop
COPY config/ config/
COPY loops/ loops/
RUN mkdir -p reports state && chown greenloop reports state
USER greenloop
VOLUME ["/srv/greenloop/reports", "/srv/greenloop/state"]
ENTRYPOINT ["tini", "--", "greenloop"]
CMD ["check"]

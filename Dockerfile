# syntax=docker/dockerfile:1
# Build: the Swift toolchain with the C libraries' headers.
ARG SWIFT_VERSION=6.3
FROM swift:${SWIFT_VERSION}-bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends pkg-config libpq-dev libcurl4-openssl-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product tiktok-army --static-swift-stdlib \
 && bin="$(swift build -c release --show-bin-path)" \
 && install -D "$bin/tiktok-army" /out/tiktok-army \
 && cp -R "$bin/tiktok-army_HTTPServer.resources" "$bin/tiktok-army_APIContract.resources" /out/

# Run: a slim Debian with the runtime libraries only.
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libpq5 libcurl4 libssl3 ca-certificates ffmpeg tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app army
WORKDIR /app
COPY --from=build /out/ /app/
COPY migrations /app/migrations
ENV HOST=0.0.0.0 \
    PORT=8080 \
    MIGRATIONS_DIR=/app/migrations \
    MEDIA_DIR=/tmp/media \
    LOG_LEVEL=info
USER army
EXPOSE 8080
ENTRYPOINT ["/app/tiktok-army"]
CMD ["serve"]

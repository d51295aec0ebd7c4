# Dockerfile: Sluice in one container (nginx + sluice-api + sluice-scheduler,
# supervised by scripts/sluice-run under tini). Data lives in the /data
# volume; HTTPS on port 8443. First start prints the admin password:
#   docker build -t sluice .
#   docker run -d --name sluice -p 8443:8443 -v sluice-data:/data sluice
#   docker logs sluice            # URL and the admin password (shown once)
#   docker exec -i sluice sluicectl user add alice --role operator <<<'pw'

# --- build stage -------------------------------------------------------------
FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
	build-essential pkg-config libfcgi-dev libsqlite3-dev libjson-c-dev \
	libcrypt-dev libcurl4-openssl-dev ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN make clean && make -j"$(nproc)" all

# --- runtime stage -----------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
	libfcgi0ldbl libsqlite3-0 libjson-c5 libcrypt1 libcurl4 \
	nginx-light openssl curl ca-certificates python3 tzdata tini \
 && rm -rf /var/lib/apt/lists/* \
 && rm -f /etc/nginx/sites-enabled/default
COPY --from=build /src/bin/sluice-api /src/bin/sluice-scheduler \
	/src/bin/sluicectl /usr/local/bin/
COPY --from=build /src/migrations /usr/share/sluice/migrations
COPY --from=build /src/static /usr/share/sluice/static
COPY --from=build /src/nginx /usr/share/sluice/nginx
COPY --from=build /src/scripts /usr/share/sluice/scripts
COPY --from=build /src/examples /usr/share/sluice/examples
COPY --from=build /src/docker/entrypoint.sh /usr/share/sluice/docker/entrypoint.sh

ENV SLUICE_DATA=/data \
    SLUICE_BIND=0.0.0.0 \
    SLUICE_PORT=8443 \
    SLUICE_BIN_DIR=/usr/local/bin \
    SLUICE_MIGRATIONS=/usr/share/sluice/migrations
VOLUME ["/data"]
EXPOSE 8443
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
	CMD curl -fsk "https://127.0.0.1:${SLUICE_PORT}/api/health" || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/share/sluice/docker/entrypoint.sh"]

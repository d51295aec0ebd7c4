#!/bin/sh
# docker/healthcheck.sh: the image's HEALTHCHECK. Asks /api/health over
# HTTPS where the container listens (SLUICE_BIND, or loopback when that is
# every address) and exits 0 only when it answers 2xx.
: "${SLUICE_PORT:=8443}"
host=${SLUICE_BIND:-0.0.0.0}
case $host in
0.0.0.0) host=127.0.0.1 ;;
::|'[::]') host='[::1]' ;;
*:*) host="[$host]" ;;
esac
exec curl -fsk --max-time 4 -o /dev/null "https://$host:$SLUICE_PORT/api/health"

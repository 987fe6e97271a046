#!/bin/sh
# Waits for the Temporal frontend, then registers the namespace and the custom search attributes that
# aof-temporal writes (src/temporal/search-attributes.ts). Safe to run again: only "already exists" is
# tolerated; any other failure exits non-zero so `docker compose up` shows it.
set -eu
ADDRESS=${TEMPORAL_ADDRESS:-temporal:7233}
NAMESPACE=${TEMPORAL_NAMESPACE:-default}
RETENTION=${TEMPORAL_RETENTION:-30d}
ATTEMPTS=${WAIT_ATTEMPTS:-60}

n=0
until temporal operator cluster health --address "$ADDRESS" >/dev/null 2>&1; do
  n=$((n + 1))
  if [ "$n" -ge "$ATTEMPTS" ]; then
    echo "Temporal at $ADDRESS is not healthy after $n attempts" >&2
    exit 1
  fi
  echo "waiting for Temporal at $ADDRESS ($n/$ATTEMPTS)"
  sleep 2
done

# Runs a command; "already exists" counts as success, anything else is printed and fails the script.
idempotent() {
  if out=$("$@" 2>&1); then
    echo "$out"
    return 0
  fi
  case "$out" in
    *"already exists"* | *"already registered"*) echo "already there: $*" ;;
    *) echo "$out" >&2; return 1 ;;
  esac
}

idempotent temporal operator namespace create --address "$ADDRESS" --namespace "$NAMESPACE" --retention "$RETENTION"

# A namespace just created takes a few seconds to reach every frontend's cache.
n=0
until temporal operator namespace describe --address "$ADDRESS" --namespace "$NAMESPACE" >/dev/null 2>&1; do
  n=$((n + 1))
  [ "$n" -lt "$ATTEMPTS" ] || { echo "namespace $NAMESPACE is not visible" >&2; exit 1; }
  sleep 1
done

for attr in AofRepository:Keyword AofEvent:Keyword AofNumber:Int AofState:Keyword AofTrigger:Keyword AofKind:Keyword AofForge:Keyword; do
  idempotent temporal operator search-attribute create --address "$ADDRESS" --namespace "$NAMESPACE" --name "${attr%%:*}" --type "${attr#*:}"
done
echo "namespace $NAMESPACE and search attributes are registered"

#!/bin/sh
# Creates (first run) or upgrades (later runs) Temporal's two PostgreSQL databases with the schema that
# ships in this admin-tools image, so the server image never migrates anything by itself.
# Any failure stops the stack: only an existing database is tolerated.
set -eu
SCHEMA_DIR=${SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}

sql() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "${DB_PORT:-5432}" -u "$POSTGRES_USER" "$@"
}

for db in temporal temporal_visibility; do
  if out=$(sql --db "$db" create 2>&1); then
    echo "created database $db"
  else
    case "$out" in
      *"already exists"*) echo "database $db already exists" ;;
      *) echo "$out" >&2; exit 1 ;;
    esac
  fi
done

# setup-schema -v 0.0 only creates the version table when it is missing; update-schema applies what is new.
sql --db temporal setup-schema -v 0.0
sql --db temporal update-schema -d "$SCHEMA_DIR/temporal/versioned"
sql --db temporal_visibility setup-schema -v 0.0
sql --db temporal_visibility update-schema -d "$SCHEMA_DIR/visibility/versioned"
echo "Temporal schema is up to date"

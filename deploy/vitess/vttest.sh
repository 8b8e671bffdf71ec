#!/usr/bin/env bash
# Builds Vitess's single-process test cluster (vttestserver) from the
# vitess.io/vitess Go module, starts it on loopback with the layout of this
# directory (a sharded "bastion" keyspace and an unsharded "bastion_ref"),
# and runs Bastion's Vitess tests against it.
#
#   deploy/vitess/vttest.sh build       build the binaries (cached; seconds when cached)
#   deploy/vitess/vttest.sh start DIR   start a cluster, state in DIR; prints its addresses
#   deploy/vitess/vttest.sh stop DIR    stop the cluster started in DIR
#   deploy/vitess/vttest.sh test        build, start, run the Vitess tests, stop (what CI runs)
#
# Environment:
#   BASTION_VITESS_CACHE   where the built binaries are kept
#                          (default ${XDG_CACHE_HOME:-$HOME/.cache}/bastion/vitess-$VITESS_VERSION)
#   BASTION_VITESS_USER    the user the cluster runs as when this script runs as
#                          root (Vitess refuses root; default nobody)
#   BASTION_VITESS_KEEP    1 keeps the state directory of `test` (logs) after it ends
#
# vtgate runs in the MULTI transaction mode: its test server keeps every
# shard in one mysqld with one sidecar database, so a two-phase commit with
# more than one shard of a keyspace collides with itself there. The tests
# use TWOPC per session where they need it (SET transaction_mode).
# Facts this relies on: `go install vitess.io/vitess/...@version` is refused
# (the module's go.mod has exclude directives), so the binaries are built
# inside the downloaded module; vttestserver runs Debian's MariaDB once two
# MySQL-8-only settings are removed from a copy of the module's config/.
set -euo pipefail

VITESS_VERSION=v0.24.4
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${BASTION_VITESS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bastion/vitess-$VITESS_VERSION}
binaries=(vttestserver vtcombo mysqlctl)
export GOTOOLCHAIN=local

log() { echo "vttest: $*" >&2; }
die() { log "$*"; exit 1; }

# build leaves bin/ and config/ under $cache, built once per version and
# reused afterwards; concurrent callers wait for one build.
build() {
  mkdir -p "$(dirname "$cache")"
  exec 9>"$cache.lock"
  flock 9
  if [ -f "$cache/complete" ]; then
    log "using Vitess $VITESS_VERSION from $cache"
    flock -u 9
    return
  fi
  command -v go >/dev/null || die "go is not installed"
  log "building Vitess $VITESS_VERSION into $cache (a cold build takes 10-25 minutes on 2 cores)"
  local moddir tmp
  # Download outside any module so this repository's go.mod is untouched.
  moddir=$(cd "$(mktemp -d)" && go mod download -json "vitess.io/vitess@$VITESS_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  [ -d "$moddir" ] || die "go mod download vitess.io/vitess@$VITESS_VERSION gave no module directory"
  tmp="$cache.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp/bin"
  local pkgs=()
  for b in "${binaries[@]}"; do pkgs+=("./go/cmd/$b"); done
  (cd "$moddir" && go build -o "$tmp/bin/" "${pkgs[@]}")
  cp -R "$moddir/config" "$tmp/config"
  chmod -R u+w "$tmp/config"
  # MariaDB aborts on super-read-only and has no super_read_only variable.
  sed -i '/^[[:space:]]*super-read-only/d' "$tmp/config/mycnf/test-suite.cnf"
  sed -i '/^[^#]*super_read_only/d' "$tmp/config/init_db.sql"
  echo "$VITESS_VERSION" >"$tmp/complete"
  rm -rf "$cache"
  mv "$tmp" "$cache"
  flock -u 9
  log "built Vitess $VITESS_VERSION"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_base prints a port P such that P..P+3 (vtcombo http, grpc, mysqld,
# vtgate) are free.
free_base() {
  local base p ok
  for _ in $(seq 1 50); do
    # Below the kernel's ephemeral ports (32768 and up on Linux), which
    # outgoing connections take at any time.
    base=$((15000 + RANDOM % 17000))
    ok=1
    for p in $(seq "$base" $((base + 3))); do
      if port_in_use "$p"; then ok=0; break; fi
    done
    [ $ok = 1 ] && { echo "$base"; return; }
  done
  die "no four free consecutive ports found"
}

# topology writes vttestserver's topology (keyspaces, shards, routing rules)
# as a text protocol buffer, the rules taken from routing_rules.json.
topology() {
  echo 'cells: "test"'
  echo 'keyspaces: { name: "bastion" shards: { name: "-80" } shards: { name: "80-" } replica_count: 1 rdonly_count: 0 }'
  echo 'keyspaces: { name: "bastion_ref" shards: { name: "0" } replica_count: 1 rdonly_count: 0 }'
  echo -n 'routing_rules: {'
  # One rule per line in routing_rules.json (TestRoutingRulesFileHasOneRulePerLine checks the format).
  sed -n 's/.*"from_table": *"\([^"]*\)", *"to_tables": *\["\([^"]*\)"\].*/ rules: { from_table: "\1" to_tables: "\2" }/p' \
    "$here/routing_rules.json" | tr -d '\n'
  echo ' }'
}

# errors prints the error lines of a failed start's log.
errors() {
  grep -E '"level":"(ERROR|FATAL)"|^[EF][0-9]{4} ' "$1/vttestserver.log" 2>/dev/null | cut -c1-400 | tail -10 >&2 || true
}

# start DIR: starts vttestserver with state in DIR and waits until every
# primary serves. Writes DIR/env with the addresses for the tests. A start
# that fails on the way (a port taken meanwhile, say) is retried on other
# ports, twice.
start() {
  local dir=$1
  build
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  local attempt
  for attempt in 1 2 3; do
    if launch "$dir"; then
      return 0
    fi
    errors "$dir"
    log "vttestserver stopped while starting (attempt $attempt of 3; its log: $dir/vttestserver.log)"
    stop "$dir"
  done
  die "vttestserver did not start"
}

# launch DIR: one attempt of start. Returns non-zero when vttestserver
# exits while starting; dies when it hangs.
launch() {
  local dir=$1 base run_as=()
  base=$(free_base)
  # The cluster runs as a user Vitess accepts, from a directory that user
  # can read: hard links to the cached binaries (copies across filesystems).
  rm -rf "$dir/data" "$dir/tmp" "$dir/env" "$dir/vttestserver.out"
  mkdir -p "$dir/vtroot/bin" "$dir/schema/bastion" "$dir/schema/bastion_ref" "$dir/data/cluster" "$dir/tmp"
  for b in "${binaries[@]}"; do
    ln -f "$cache/bin/$b" "$dir/vtroot/bin/$b" 2>/dev/null || cp "$cache/bin/$b" "$dir/vtroot/bin/$b"
  done
  rm -rf "$dir/vtroot/config"
  cp -R "$cache/config" "$dir/vtroot/config"
  cp "$here/vschema_bastion.json" "$dir/schema/bastion/vschema.json"
  cp "$here/vschema_bastion_ref.json" "$dir/schema/bastion_ref/vschema.json"
  # Keyspace databases in utf8mb4 with a binary collation, as Bastion's ids
  # are case-sensitive (mysqld's default here is utf8mb3_general_ci); and
  # the buffer pool of Debian's MariaDB (test-suite.cnf sets 32M), so that
  # benchmarks compare like with like.
  printf '[mysqld]\ncharacter-set-server = utf8mb4\ncollation-server = utf8mb4_bin\ninnodb_buffer_pool_size = 128M\n' >"$dir/extra.cnf"
  if [ "$(id -u)" = 0 ]; then
    local user=${BASTION_VITESS_USER:-nobody}
    chown -R "$user" "$dir"
    run_as=(setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups --)
  fi
  local mode=MULTI
  log "starting vttestserver on 127.0.0.1:$base-$((base + 3)) (vtgate $((base + 3)), transaction mode $mode), state in $dir"
  (
    cd "$dir"
    exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$dir" TMPDIR="$dir/tmp" \
      VTROOT="$dir/vtroot" VTDATAROOT="$dir/data" VT_MYSQL_ROOT=/usr \
      "${run_as[@]}" "$dir/vtroot/bin/vttestserver" \
      --port "$base" --mysql-bind-host 127.0.0.1 --vtcombo-bind-host 127.0.0.1 \
      --proto-topo "$(topology)" --schema-dir "$dir/schema" --data-dir "$dir/data/cluster" \
      --extra-my-cnf "$dir/extra.cnf" \
      --transaction-mode "$mode" --enable-online-ddl=false \
      --vschema-ddl-authorized-users % --initialize-with-vt-dba-tcp \
      >"$dir/vttestserver.out" 2>"$dir/vttestserver.log"
  ) &
  local pid=$!
  echo "$pid" >"$dir/pid"
  # vttestserver prints its configuration as JSON once vtcombo is up.
  local up=0
  for _ in $(seq 1 900); do
    grep -q vtcombo_mysql_port "$dir/vttestserver.out" 2>/dev/null && { up=1; break; }
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 1
  done
  [ $up = 1 ] || { errors "$dir"; stop "$dir"; die "vttestserver did not start in 15 minutes"; }
  local vtgate=$((base + 3))
  # Then wait until the three primaries serve queries.
  local n=0
  for _ in $(seq 1 600); do
    n=$(mysql -h 127.0.0.1 -P "$vtgate" -u bastion -N -e "SHOW VITESS_TABLETS" 2>/dev/null | grep -c 'PRIMARY[[:space:]]*SERVING' || true)
    [ "$n" -ge 3 ] && break
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 1
  done
  [ "$n" -ge 3 ] || { errors "$dir"; stop "$dir"; die "the primaries of bastion and bastion_ref did not serve in 10 minutes"; }
  cat >"$dir/env" <<EOF
BASTION_TEST_VTGATE=mysql://bastion@127.0.0.1:$vtgate/bastion
BASTION_TEST_VTGATE_HTTP=http://127.0.0.1:$base
BASTION_TEST_VTGATE_MYSQLD=mysql://vt_dba_tcp@127.0.0.1:$((base + 2))
EOF
  log "vtgate serves mysql://bastion@127.0.0.1:$vtgate/bastion (status pages: http://127.0.0.1:$base/)"
  cat "$dir/env"
}

# stop DIR: stops the cluster of start DIR and waits for it to exit. When
# vttestserver fails while starting it leaves its mysqld running, so that
# one is stopped too, by the pid in its pid file.
stop() {
  local dir=$1 pid p
  if [ -f "$dir/pid" ]; then
    pid=$(cat "$dir/pid")
    if kill -0 "$pid" 2>/dev/null; then
      # vttestserver tears the cluster (vtcombo, mysqld) down on SIGTERM.
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    fi
    rm -f "$dir/pid"
  fi
  for p in "$dir"/data/cluster/vt_*/mysql.pid; do
    [ -f "$p" ] || continue
    pid=$(cat "$p")
    # mysqld_safe, its parent, ends when mysqld shuts down cleanly.
    if kill -0 "$pid" 2>/dev/null && grep -q -- "$dir/" "/proc/$pid/cmdline" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    fi
  done
}

# test_dir is the state of the cluster run_tests starts, for its exit trap.
test_dir=

run_tests() {
  test_dir=$(mktemp -d "${TMPDIR:-/tmp}/bastion-vttest.XXXXXX")
  chmod 755 "$test_dir"
  trap 'stop "$test_dir"; [ "${BASTION_VITESS_KEEP:-0}" = 1 ] || rm -rf "$test_dir"' EXIT
  start "$test_dir" >/dev/null
  set -a
  # shellcheck disable=SC1091
  . "$test_dir/env"
  set +a
  cd "$repo"
  log "the permission store's tests on Vitess"
  BASTION_TEST_DATABASES=vitess go test -count=1 ./store/authzsql/ ./authz/ ./server/
  log "the other stores' tests on Vitess (their tables in bastion_ref)"
  BASTION_TEST_DATABASES=vitess go test -count=1 -p 1 ./store/botsql/ ./queue/sqlqueue/ ./store/installsql/ ./store/namesql/ ./store/httpcommandsql/ ./store/accesssql/
  log "the end-to-end test on Vitess"
  go test -tags vitess -count=1 -v ./deploy/vitess/...
}

case "${1:-}" in
  build) build ;;
  start) [ $# = 2 ] || die "usage: $0 start DIR"; start "$2" ;;
  stop) [ $# = 2 ] || die "usage: $0 stop DIR"; stop "$2" ;;
  test) run_tests ;;
  *) die "usage: $0 build | start DIR | stop DIR | test" ;;
esac

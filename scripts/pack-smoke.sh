#!/usr/bin/env bash
# Proves the published tarball works as users install it: a NestJS 11 CommonJS app and a NestJS 12 ESM app, each
# type-checked, tested with its own Jest against real Redis, and booted with plain node (fixtures: scripts/pack-smoke/).
# Both apps import the root and the subpaths /compat, /health and /testing (the store contract run on their own store).
#   1. npm pack (prepack builds dist/), check what the tarball holds: both builds, no ESM syntax in the CommonJS one;
#      @arethetypeswrong/cli checks the types for moduleResolution node10, node16 (from CJS and ESM) and bundler;
#   2. start a redis-server on a free loopback port;
#   3. nest11-cjs (as `nest new` lays it out for NestJS 11: module commonjs, Jest 29 + ts-jest, the jest block in
#      package.json): npm install (the tarball + pinned versions), tsc --noEmit, `npm test`, `npm run test:e2e`, then
#      build it, boot it with node and GET a cached route twice (X-Cache MISS then HIT, /metrics, Redis);
#   4. nest12-esm ("type": "module", Jest in ESM mode): the same;
#   5. the sample app's sources compiled in the NestJS 12 app with its tsc, booted: a product twice (/metrics: a miss,
#      then a hit), SIGTERM exits 0 and closes its Redis connection.
# Every wait is bounded; every process is stopped by PID on exit. Exits non-zero on any failure; prints step timings.
# PACK_SMOKE_KEEP=1 keeps the temp dir for inspection.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FIXTURES="$ROOT/scripts/pack-smoke"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/cache-pack-smoke.XXXXXX")"

# The JSON of an uncompressed JSON entry (format version 1: marker 0x81, flags 0, the value after the header), read
# with the ioredis of the app in the current directory; entries are bytes, which redis-cli would print mangled.
stored_json() {
  node -e '
const { Redis } = require("ioredis");
const redis = new Redis(Number(process.argv[1]), "127.0.0.1");
redis.getBuffer(process.argv[2]).then((bytes) => {
  if (!bytes || bytes[0] !== 0x81 || bytes[1] !== 0) console.log("not an uncompressed JSON entry: " + (bytes ? bytes.subarray(0, 4).toString("hex") : "absent"));
  else console.log(bytes.toString("utf8", bytes.readUInt16BE(2)));
  redis.disconnect();
});' "$REDIS_PORT" "$1"
}
APP_PID=""
APP_LOG=""
REDIS_PID=""
NPM_FLAGS=(--prefer-offline --no-audit --no-fund --loglevel=error)
# The subpath entries besides "." (package.json "exports"; test/public-api.json lists their names).
SUBPATHS="compat admin health testing"

STEP_NAME=""
STEP_START=$SECONDS
TIMINGS=()
end_step() {
  [ -z "$STEP_NAME" ] || TIMINGS+=("$(printf '%5ss  %s' $((SECONDS - STEP_START)) "$STEP_NAME")")
  STEP_NAME=""
}
step() {
  end_step
  STEP_NAME="$*"
  STEP_START=$SECONDS
  printf '\n==> %s\n' "$*"
}
ok() { printf '    ok: %s\n' "$*"; }
fail() {
  printf '\nFAIL: %s\n' "$*" >&2
  exit 1
}
# Stops a child by PID: SIGTERM, up to 5 s, then SIGKILL; reaps it.
stop_pid() {
  local pid="$1"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  wait_exit "$pid" 50 || kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Polls (every 0.1 s, at most $2 times) until child $1 has exited (gone or a zombie awaiting `wait`).
wait_exit() {
  local pid="$1" tries="$2" state
  for _ in $(seq "$tries"); do
    state="$(ps -o stat= -p "$pid" 2>/dev/null || true)"
    case "$state" in "" | Z*) return 0 ;; esac
    sleep 0.1
  done
  return 1
}

cleanup() {
  local status=$?
  end_step
  stop_pid "$APP_PID"
  stop_pid "$REDIS_PID"
  if [ "$status" -ne 0 ] && [ -n "$APP_LOG" ] && [ -f "$APP_LOG" ]; then
    printf '\n--- last lines of %s ---\n' "$APP_LOG" >&2
    tail -n 40 "$APP_LOG" >&2 || true
  fi
  if [ "${PACK_SMOKE_KEEP:-}" = 1 ]; then
    echo "kept $WORK"
  else
    rm -rf "$WORK"
  fi
  printf '\nstep timings:\n'
  printf '  %s\n' "${TIMINGS[@]}"
  printf '%5ss  total\n' "$SECONDS"
  [ "$status" -eq 0 ] && printf '\nPACK SMOKE PASSED\n' || printf '\nPACK SMOKE FAILED (exit %s)\n' "$status" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{const p=s.address().port;s.close(()=>console.log(p))})"
}

# metric_value FILE NAME label=value...: the value of the one sample of NAME carrying all those labels, or "absent".
metric_value() {
  local file="$1" name="$2"
  shift 2
  awk -v name="$name" -v wanted="$*" '
    BEGIN { n = split(wanted, pairs, " ") }
    index($0, name "{") == 1 || index($0, name " ") == 1 {
      labels = $0; sub(/^[^{ ]*/, "", labels); sub(/}[^}]*$/, "}", labels)
      gsub(/[{}]/, ",", labels)
      for (i = 1; i <= n; i++) {
        split(pairs[i], kv, "=")
        if (index(labels, "," kv[1] "=\"" kv[2] "\",") == 0) next
      }
      found++; value = $NF
    }
    END {
      if (found > 1) { print "ambiguous"; exit }
      print (found ? value : "absent")
    }' "$file"
}

expect_metric() { # expect_metric FILE NAME EXPECTED label=value...
  local file="$1" name="$2" expected="$3" actual
  shift 3
  actual="$(metric_value "$file" "$name" "$@")"
  [ "$actual" = "$expected" ] || fail "$name{$*} is $actual, expected $expected"
  ok "$name{$*} = $actual"
}

for tool in node npm curl redis-server redis-cli tar; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is required (redis: bash scripts/ensure-redis.sh)"
done
echo "work dir: $WORK"


# Process helpers for the apps and their Jest suites -------------------------------------------------------------------

# run_logged NAME SECONDS COMMAND...: runs COMMAND (bounded by SECONDS) with its output in $WORK/NAME.log, shown on failure.
run_logged() {
  local name="$1" seconds="$2"
  shift 2
  timeout "$seconds" "$@" >"$WORK/$name.log" 2>&1 || {
    tail -n 80 "$WORK/$name.log" >&2
    fail "$name failed (or ran over ${seconds} s): $*"
  }
}

# install_fixture NAME: copies scripts/pack-smoke/NAME to $WORK/NAME (with the files both apps share, from shared/) and
# installs its pinned dependencies plus the tarball in one npm install; the caller continues in that directory.
install_fixture() {
  local name="$1"
  cp -R "$FIXTURES/$name" "$WORK/$name"
  cp "$FIXTURES/shared/map.store.ts" "$WORK/$name/src/stores/map.store.ts" # a user's own store, the same in CJS and ESM
  cd "$WORK/$name"
  npm pkg set "dependencies.@datapunk/nestjs-cache=file:$TARBALL"
  run_logged "install-$name" 900 npm install "${NPM_FLAGS[@]}"
  ok "installed @datapunk/nestjs-cache, @nestjs/core@$(node -p "require('@nestjs/core/package.json').version"), ioredis@$(node -p "require('ioredis/package.json').version"), jest@$(node -p "require('jest/package.json').version")"
}

# One copy of the package per process: require() and import() hand back the same CacheManager class and tokens, for
# the root and for every subpath, and a subpath's names are the root's own (one CACHE_MANAGER token, one Cache class).
expect_one_copy() {
  node -e '
const subpaths = process.argv[1].split(" ");
const same = (what, a, b) => {
  if (a === undefined || a !== b) {
    console.error(`${what}: different values (two copies of the package)`);
    process.exit(1);
  }
};
const root = require("@datapunk/nestjs-cache");
same("require(\"@datapunk/nestjs-cache/compat\").CACHE_MANAGER and the root one", require("@datapunk/nestjs-cache/compat").CACHE_MANAGER, root.CACHE_MANAGER);
same("require(\"@datapunk/nestjs-cache/compat\").Cache and the root one", require("@datapunk/nestjs-cache/compat").Cache, root.Cache);
same("require(\"@datapunk/nestjs-cache/health\").CacheHealthIndicator and the root one", require("@datapunk/nestjs-cache/health").CacheHealthIndicator, root.CacheHealthIndicator);
same("require(\"@datapunk/nestjs-cache/admin\").CacheAdminModule and the root one", require("@datapunk/nestjs-cache/admin").CacheAdminModule, root.CacheAdminModule);
(async () => {
  const imported = await import("@datapunk/nestjs-cache");
  for (const name of ["CacheModule", "CacheManager", "CacheInterceptor", "CACHE_MANAGER", "Cache"]) {
    same(`${name} from require() and import()`, root[name], imported[name]);
  }
  for (const subpath of subpaths) {
    const specifier = `@datapunk/nestjs-cache/${subpath}`;
    const required = require(specifier);
    const importedSubpath = await import(specifier);
    const names = Object.keys(required).filter((name) => name !== "__esModule" && name !== "default");
    if (names.length === 0) {
      console.error(`${specifier} exports no value`);
      process.exit(1);
    }
    for (const name of names) same(`${specifier} ${name} from require() and import()`, required[name], importedSubpath[name]);
  }
})();' "$SUBPATHS" || fail "require() and import() load two copies of the package under node"
  ok "node: require() and import() give the same CacheManager, CacheModule, CacheInterceptor, CACHE_MANAGER and Cache, and the same values from ./{${SUBPATHS// /,}}"
  ok "node: require('@datapunk/nestjs-cache/compat').CACHE_MANAGER === require('@datapunk/nestjs-cache').CACHE_MANAGER (one token), likewise Cache, CacheHealthIndicator, CacheAdminModule"
}

# start_app NAME ENTRY READY_PATH [VAR=value...]: `node ENTRY` in the current directory on a free loopback port;
# sets APP_PID and BASE; waits (at most 30 s) until READY_PATH answers.
start_app() {
  local name="$1" entry="$2" ready="$3"
  shift 3
  local port
  port="$(free_port)"
  BASE="http://127.0.0.1:$port"
  APP_LOG="$WORK/$name.log"
  env PORT="$port" HOST=127.0.0.1 REDIS_URL="$REDIS_URL" NO_COLOR=1 "$@" node "$entry" >"$APP_LOG" 2>&1 &
  APP_PID=$!
  for _ in $(seq 300); do
    curl -fsS --max-time 2 "$BASE$ready" >/dev/null 2>&1 && break
    kill -0 "$APP_PID" 2>/dev/null || fail "$name exited before listening"
    sleep 0.1
  done
  curl -fsS --max-time 2 "$BASE$ready" >/dev/null 2>&1 || fail "$name did not answer on $BASE$ready within 30 s"
  ok "$name: pid $APP_PID on $BASE"
}

# stop_app ALLOWED_STATUSES...: SIGTERM, at most 10 s to exit with one of those statuses (a NestJS app with shutdown
# hooks re-raises the signal: 143), and no Redis connection left behind but redis-cli's own.
stop_app() {
  local status=0 clients
  kill -TERM "$APP_PID"
  wait_exit "$APP_PID" 100 || fail "the app still runs 10 s after SIGTERM"
  wait "$APP_PID" || status=$?
  APP_PID=""
  case " $* " in *" $status "*) ;; *) fail "the app exited with status $status after SIGTERM (expected one of: $*)" ;; esac
  ok "exit status $status after SIGTERM"
  clients="$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" client list | grep -c '^id=' || true)"
  [ "$clients" -eq 1 ] || fail "Redis still has $clients clients (expected only redis-cli itself)"
  ok "Redis clients left: redis-cli only"
}

# expect_miss_then_hit PATH EXPECTED_BODY: GET PATH twice: X-Cache MISS then HIT, the expected body both times.
expect_miss_then_hit() {
  local path="$1" expected="$2" attempt body x_cache wanted
  for attempt in 1 2; do
    body="$(curl -fsS --max-time 5 -D "$WORK/headers-$attempt.txt" "$BASE$path")" || fail "GET $path (#$attempt) failed"
    [ "$body" = "$expected" ] || fail "GET $path (#$attempt) returned $body, expected $expected"
    x_cache="$(tr -d '\r' <"$WORK/headers-$attempt.txt" | awk -F': ' 'tolower($1) == "x-cache" { print $2 }')"
    wanted=MISS
    [ "$attempt" = 1 ] || wanted=HIT
    [ "$x_cache" = "$wanted" ] || fail "GET $path (#$attempt): X-Cache is '$x_cache', expected $wanted"
    ok "GET $path (#$attempt) -> X-Cache: $x_cache, $body"
  done
}

# expect_redis_key KEY: the key exists in Redis.
expect_redis_key() {
  [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" exists "$1")" = 1 ] || fail "Redis has no key $1"
  ok "Redis has $1"
}

# fixture_checks NAME: tsc --noEmit, the unit and the e2e suites (each under its own namespace, against this Redis).
fixture_checks() {
  local name="$1"
  run_logged "tsc-$name" 300 ./node_modules/.bin/tsc --noEmit -p tsconfig.json
  ok "tsc --noEmit (src and test) passes against the package's types"
  REDIS_URL="$REDIS_URL" CACHE_NAMESPACE="$name-unit" run_logged "unit-$name" 300 npm test
  ok "npm test: $(grep -E '^Tests:' "$WORK/unit-$name.log")"
  REDIS_URL="$REDIS_URL" CACHE_NAMESPACE="$name-e2e" run_logged "e2e-$name" 300 npm run test:e2e
  ok "npm run test:e2e: $(grep -E '^Tests:' "$WORK/e2e-$name.log")"
}

# ---------------------------------------------------------------------------------------------
step "npm pack (prepack builds dist/: the ESM and the CommonJS build)"
mkdir -p "$WORK/pack"
(cd "$ROOT" && npm pack --pack-destination "$WORK/pack" --loglevel=warn) >"$WORK/pack.log" 2>&1 || {
  cat "$WORK/pack.log" >&2
  fail "npm pack failed"
}
shopt -s nullglob
tarballs=("$WORK"/pack/*.tgz)
shopt -u nullglob
[ "${#tarballs[@]}" -eq 1 ] || fail "expected one tarball in $WORK/pack, found ${#tarballs[@]}"
TARBALL="${tarballs[0]}"
ok "$(basename "$TARBALL") ($(du -h "$TARBALL" | cut -f1))"

step "tarball contents"
tar -tzf "$TARBALL" | sed 's#^package/##' | sort >"$WORK/contents.txt"
for required in package.json dist/esm-probe.js dist/cjs/package.json dist/cjs/require.cjs dist/cjs/require-esm-works.cjs \
  dist/index.js dist/index.d.ts dist/cjs/index.js dist/cjs/index.d.ts README.md LICENSE \
  docs/guide/getting-started.md docs/guide/migrating.md docs/reference/options.md; do
  grep -qxF "$required" "$WORK/contents.txt" || fail "the tarball lacks $required"
done
for subpath in $SUBPATHS; do
  for required in "dist/$subpath.js" "dist/$subpath.d.ts" "dist/cjs/$subpath.js" "dist/cjs/$subpath.d.ts" "dist/cjs/$subpath.require.cjs"; do
    grep -qxF "$required" "$WORK/contents.txt" || fail "the tarball lacks $required (subpath ./$subpath)"
  done
done
ok "has the ESM build (dist/), the CommonJS build (dist/cjs/), the require entries of . and ./{${SUBPATHS// /,}}, README.md, the docs its links open, and LICENSE"
forbidden="$(grep -E '^(test|sample-app|lib|bench|scripts|dist-sample|dist-bench|node_modules)/|(^|/)[^/]*\.[cm]?ts$|\.tgz$|(^|/)\.env' "$WORK/contents.txt" | grep -vE '\.d\.[cm]?ts$' || true)"
[ -z "$forbidden" ] || fail "the tarball holds files it must not:"$'\n'"$forbidden"
ok "no test/, sample-app/, lib/ or .ts sources ($(wc -l <"$WORK/contents.txt") files)"
mkdir -p "$WORK/unpacked"
tar -xzf "$TARBALL" -C "$WORK/unpacked"
# Every file of the CommonJS build compiles as a CommonJS module body: no import/export statement, no import.meta.
node -e '
const { readdirSync, readFileSync } = require("node:fs");
const { join } = require("node:path");
const { Script } = require("node:vm");
let count = 0;
for (const entry of readdirSync(process.argv[1], { recursive: true })) {
  if (!/\.c?js$/.test(entry)) continue;
  const file = join(process.argv[1], entry);
  try {
    new Script(`(function (exports, require, module, __filename, __dirname) {${readFileSync(file, "utf8")}\n})`, { filename: file });
  } catch (error) {
    console.error(`${file}: ${error.message}`);
    process.exit(1);
  }
  count++;
}
console.log(count);' "$WORK/unpacked/package/dist/cjs" >"$WORK/cjs-files.txt" || fail "dist/cjs/ holds a file that is not CommonJS"
ok "all $(cat "$WORK/cjs-files.txt") files of dist/cjs/ parse as CommonJS (no ESM syntax, no import.meta)"

step "types: @arethetypeswrong/cli (node10, node16 from CJS and from ESM, bundler)"
run_logged attw 120 "$ROOT/node_modules/.bin/attw" --format table-flipped "$TARBALL"
ok "$(grep -E 'No problems found' "$WORK/attw.log" | sed 's/ *$//')"

# ---------------------------------------------------------------------------------------------
step "start redis-server on a free loopback port"
REDIS_PORT="$(free_port)"
REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
mkdir -p "$WORK/redis"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK/redis" >"$WORK/redis.log" 2>&1 &
REDIS_PID=$!
for _ in $(seq 100); do
  [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null || true)" = PONG ] && break
  kill -0 "$REDIS_PID" 2>/dev/null || { cat "$WORK/redis.log" >&2; fail "redis-server exited"; }
  sleep 0.1
done
[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null || true)" = PONG ] || fail "redis-server did not answer PING within 10 s"
ok "redis-server pid $REDIS_PID on 127.0.0.1:$REDIS_PORT"

# ---------------------------------------------------------------------------------------------
step "nest11-cjs: install (NestJS 11, CommonJS, Jest 29 + ts-jest, ioredis 5, Terminus 11)"
install_fixture nest11-cjs

step "nest11-cjs: tsc --noEmit, Jest unit and e2e suites (Jest's CommonJS loader: the CommonJS build)"
fixture_checks nest11-cjs

step "nest11-cjs: built with tsc, booted with node (require() gets the ESM build: one copy of the package)"
expect_one_copy
run_logged build-nest11-cjs 300 npm run build
start_app nest11-cjs dist/main.js /health CACHE_NAMESPACE=nest11-node
expect_miss_then_hit /products/1 '{"id":1,"name":"Keyboard","price":49}'
curl -fsS --max-time 5 "$BASE/metrics" >"$WORK/metrics-nest11.txt" || fail "GET /metrics failed"
expect_metric "$WORK/metrics-nest11.txt" cache_misses_total 1 namespace=nest11-node cache=ProductsController.findOne
expect_metric "$WORK/metrics-nest11.txt" cache_hits_total 1 namespace=nest11-node cache=ProductsController.findOne
expect_redis_key nest11-node:http:GET:127.0.0.1/products/1
expect_redis_key nest11-node:product:1
stop_app 0 143

# ---------------------------------------------------------------------------------------------
step "nest12-esm: install (NestJS 12, ESM, Jest 30 in ESM mode + ts-jest, ioredis 6, Terminus 12)"
install_fixture nest12-esm

step "nest12-esm: tsc --noEmit, Jest unit and e2e suites (Jest's ESM loader: the ESM build)"
fixture_checks nest12-esm

step "nest12-esm: built with tsc, booted with node"
expect_one_copy
run_logged build-nest12-esm 300 npm run build
start_app nest12-esm dist/main.js /health CACHE_NAMESPACE=nest12-node
expect_miss_then_hit /products/1 '{"id":1,"name":"Keyboard","price":49}'
expect_redis_key nest12-node:http:GET:127.0.0.1/products/1
expect_redis_key nest12-node:product:1
stop_app 0 143

# ---------------------------------------------------------------------------------------------
step "sample app: its sources compiled in the NestJS 12 app with that app's tsc"
(cd "$ROOT/sample-app" && find . -name '*.ts' ! -name '*.d.ts' -print0) | while IFS= read -r -d '' file; do
  mkdir -p "sample/$(dirname "$file")"
  cp "$ROOT/sample-app/$file" "sample/$file"
done
cp "$FIXTURES/sample-app.tsconfig.json" tsconfig.sample.json
run_logged tsc-sample 300 ./node_modules/.bin/tsc -p tsconfig.sample.json
[ -f dist-sample/main.js ] || fail "tsc emitted no dist-sample/main.js"
ok "compiled $(find sample -name '*.ts' | wc -l) files to dist-sample/"

step "sample app: GET /products/1 twice: a miss (loaded, stored in Redis), then a hit"
start_app sample-app dist-sample/main.js /metrics
expected='{"id":1,"name":"Keyboard","price":49}'
for attempt in 1 2; do
  body="$(curl -fsS --max-time 5 "$BASE/products/1")" || fail "GET /products/1 (#$attempt) failed"
  [ "$body" = "$expected" ] || fail "GET /products/1 (#$attempt) returned $body, expected $expected"
  ok "GET /products/1 (#$attempt) -> $body"
  curl -fsS --max-time 5 "$BASE/metrics" >"$WORK/metrics-$attempt.txt" || fail "GET /metrics failed"
done
expect_metric "$WORK/metrics-1.txt" cache_misses_total 1 namespace=sample cache=direct
expect_metric "$WORK/metrics-1.txt" cache_hits_total absent namespace=sample cache=direct
expect_metric "$WORK/metrics-2.txt" cache_misses_total 1 namespace=sample cache=direct
expect_metric "$WORK/metrics-2.txt" cache_hits_total 1 namespace=sample cache=direct
stored="$(stored_json sample:product:1)"
[ "$stored" = "$expected" ] || fail "Redis holds '$stored' under sample:product:1, expected $expected"
ok "Redis: sample:product:1 = $stored"

step "sample app: SIGTERM exits 0 and closes its Redis connection"
stop_app 0

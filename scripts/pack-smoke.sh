#!/usr/bin/env bash
# Proves the published tarball works in a fresh NestJS 12 app, as a user would install it, and in a NestJS 11 one:
#   1. npm pack (prepack builds dist/) and check what the tarball holds;
#   2. a scratch ESM app in a temp dir: npm init, install the tarball + peers, copy sample-app/*.ts, compile with its own tsc;
#   3. start a redis-server and the app on free loopback ports; GET a product twice; /metrics must show a miss then a hit;
#   4. a CommonJS NestJS 11 + ioredis 5 app require()s the tarball and sees a miss then a hit.
# Every wait is bounded; both processes are stopped by PID on exit. Exits non-zero on any failure.
# PACK_SMOKE_KEEP=1 keeps the temp dir for inspection.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/cache-pack-smoke.XXXXXX")"
APP_DIR="$WORK/app"

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
REDIS_PID=""
NPM_FLAGS=(--prefer-offline --no-audit --no-fund --loglevel=error)

step() { printf '\n==> %s\n' "$*"; }
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
  stop_pid "$APP_PID"
  stop_pid "$REDIS_PID"
  if [ "$status" -ne 0 ] && [ -f "$WORK/app.log" ]; then
    printf '\n--- last lines of the app log ---\n' >&2
    tail -n 40 "$WORK/app.log" >&2 || true
  fi
  if [ "${PACK_SMOKE_KEEP:-}" = 1 ]; then
    echo "kept $WORK"
  else
    rm -rf "$WORK"
  fi
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

# ---------------------------------------------------------------------------------------------
step "npm pack (prepack builds dist/)"
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
for required in package.json dist/index.js dist/index.d.ts README.md LICENSE; do
  grep -qxF "$required" "$WORK/contents.txt" || fail "the tarball lacks $required"
  ok "has $required"
done
forbidden="$(grep -E '^(test|sample-app|lib|bench|scripts|dist-sample|dist-bench|node_modules)/|(^|/)[^/]*\.ts$|\.tgz$|(^|/)\.env' "$WORK/contents.txt" | grep -vE '\.d\.ts$' || true)"
[ -z "$forbidden" ] || fail "the tarball holds files it must not:"$'\n'"$forbidden"
ok "no test/, sample-app/, lib/ or .ts sources ($(wc -l <"$WORK/contents.txt") files)"

# ---------------------------------------------------------------------------------------------
step "scratch app: npm init, install the tarball and peers"
mkdir -p "$APP_DIR/src"
cd "$APP_DIR"
npm init -y >/dev/null
npm pkg set type=module
npm install "${NPM_FLAGS[@]}" "$TARBALL" \
  @nestjs/common@12 @nestjs/core@12 @nestjs/platform-express@12 @nestjs/config @nestjs/terminus@12 \
  @willsoto/nestjs-prometheus prom-client ioredis reflect-metadata rxjs \
  typescript@5.9.3 @types/node@20 >"$WORK/install.log" 2>&1 || {
  cat "$WORK/install.log" >&2
  fail "npm install failed"
}
ok "installed @datapunk/nestjs-cache@$(node -p "require('./node_modules/@datapunk/nestjs-cache/package.json').version")"
node --input-type=module -e "
  const m = await import('@datapunk/nestjs-cache');
  for (const name of ['CacheModule', 'CacheManager', 'CacheError', 'CACHE_METRICS']) if (!m[name]) throw new Error(name + ' is not exported');
" || fail "the installed package does not import"
ok "import('@datapunk/nestjs-cache') exposes CacheModule, CacheManager, CacheError, CACHE_METRICS"

step "compile the sample app's sources with the scratch app's own tsc"
(cd "$ROOT/sample-app" && find . -name '*.ts' ! -name '*.d.ts' -print0) | while IFS= read -r -d '' file; do
  mkdir -p "src/$(dirname "$file")"
  cp "$ROOT/sample-app/$file" "src/$file"
done
cat >tsconfig.json <<'JSON'
{
  "compilerOptions": {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "lib": ["ES2022"],
    "types": ["node"],
    "strict": true,
    "experimentalDecorators": true,
    "emitDecoratorMetadata": true,
    "skipLibCheck": true,
    "rootDir": "src",
    "outDir": "dist"
  },
  "include": ["src"]
}
JSON
./node_modules/.bin/tsc -p tsconfig.json || fail "tsc failed on the sample app against the installed package"
[ -f dist/main.js ] || fail "tsc emitted no dist/main.js"
ok "compiled $(find src -name '*.ts' | wc -l) files to dist/"

# ---------------------------------------------------------------------------------------------
step "start redis-server and the app on free loopback ports"
REDIS_PORT="$(free_port)"
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

APP_PORT="$(free_port)"
BASE="http://127.0.0.1:$APP_PORT"
PORT="$APP_PORT" HOST=127.0.0.1 REDIS_URL="redis://127.0.0.1:$REDIS_PORT" NO_COLOR=1 node dist/main.js >"$WORK/app.log" 2>&1 &
APP_PID=$!
for _ in $(seq 300); do
  curl -fsS --max-time 2 "$BASE/metrics" >/dev/null 2>&1 && break
  kill -0 "$APP_PID" 2>/dev/null || fail "the app exited before listening"
  sleep 0.1
done
curl -fsS --max-time 2 "$BASE/metrics" >/dev/null 2>&1 || fail "the app did not answer on $BASE within 30 s"
ok "app pid $APP_PID on $BASE"

# ---------------------------------------------------------------------------------------------
step "GET /products/1 twice: a miss (loaded, stored in Redis), then a hit"
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

step "SIGTERM: the app exits 0 and closes its Redis connection"
kill -TERM "$APP_PID"
wait_exit "$APP_PID" 100 || fail "the app still runs 10 s after SIGTERM"
app_status=0
wait "$APP_PID" || app_status=$?
APP_PID=""
[ "$app_status" -eq 0 ] || fail "the app exited with status $app_status after SIGTERM"
ok "exit status 0"
clients="$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" client list | grep -c '^id=' || true)"
[ "$clients" -eq 1 ] || fail "Redis still has $clients clients (expected only redis-cli itself)"
ok "Redis clients left: redis-cli only"

# ---------------------------------------------------------------------------------------------
step "a CommonJS NestJS 11 app with ioredis 5 (the older peers) requires the package and caches"
APP11_DIR="$WORK/app11"
mkdir -p "$APP11_DIR"
cd "$APP11_DIR"
npm init -y >/dev/null
npm install "${NPM_FLAGS[@]}" "$TARBALL" @nestjs/common@11 @nestjs/core@11 @nestjs/terminus@11 @willsoto/nestjs-prometheus prom-client ioredis@5 \
  reflect-metadata rxjs >"$WORK/install11.log" 2>&1 || {
  cat "$WORK/install11.log" >&2
  fail "npm install (NestJS 11) failed"
}
ok "installed @nestjs/core@$(node -p "require('@nestjs/core/package.json').version"), ioredis@$(node -p "require('ioredis/package.json').version")"
cat >app.cjs <<'JS'
// CommonJS, as `nest new` on NestJS 11 compiles: require() of this ESM package works on Node >= 20.19.
require('reflect-metadata');
const { Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { PrometheusModule } = require('@willsoto/nestjs-prometheus');
const { register } = require('prom-client');
const { CacheModule, CacheManager, CacheHealthIndicator } = require('@datapunk/nestjs-cache');

class AppModule {}
Module({
  imports: [
    PrometheusModule.register(),
    CacheModule.forRootAsync({ useFactory: () => ({ namespace: 'nest11', redis: { url: process.env.REDIS_URL } }) }),
  ],
})(AppModule);

(async () => {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
  const cache = app.get(CacheManager);
  const loaded = await cache.getOrSet('k', () => ({ v: 1 }));
  const again = await cache.get('k');
  if (JSON.stringify(loaded) !== '{"v":1}' || JSON.stringify(again) !== '{"v":1}') throw new Error('wrong values');
  // Terminus 11 (no `degraded`, HealthIndicatorService loaded from CommonJS by the ESM package).
  const health = await app.get(CacheHealthIndicator).isHealthy('cache');
  if (health.cache?.status !== 'up' || typeof health.cache.pingMs !== 'number') throw new Error(`health: ${JSON.stringify(health)}`);
  console.error(`health (terminus 11): ${JSON.stringify(health)}`);
  process.stdout.write(await register.metrics());
  await app.close();
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
JS
REDIS_URL="redis://127.0.0.1:$REDIS_PORT" NO_COLOR=1 timeout 30 node app.cjs >"$WORK/metrics-11.txt" 2>"$WORK/app11.log" || {
  cat "$WORK/app11.log" >&2
  fail "the NestJS 11 app failed"
}
expect_metric "$WORK/metrics-11.txt" cache_misses_total 1 namespace=nest11 cache=direct
expect_metric "$WORK/metrics-11.txt" cache_hits_total 1 namespace=nest11 cache=direct
stored="$(stored_json nest11:k)"
[ "$stored" = '{"v":1}' ] || fail "Redis holds '$stored' under nest11:k"
ok "Redis: nest11:k = $stored"
ok "$(grep -o 'health (terminus 11).*' "$WORK/app11.log")"

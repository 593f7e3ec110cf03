# Shared by bin/load-sessions and bin/soak (sourced, not run): the build, the benchmark lock, and a postseal milter
# started exactly as `bin/postseal milter` starts it (same script, same POSTSEAL_JAVA_OPTS), so that what is measured
# is the default launch whatever its JVM options become.

bench_die() { echo "$(basename "$0"): $*" >&2; exit 1; }

# target/postseal.jar rebuilt when src/main or the pom is newer; the test classes and their class path for the drivers.
# Sets $classpath. BENCH_CLASSPATH=... skips the build.
bench_build() {
    if [ -n "${BENCH_CLASSPATH:-}" ]; then
        classpath="$BENCH_CLASSPATH"
        return
    fi
    if [ ! -f target/postseal.jar ] || [ -n "$(find src/main pom.xml -newer target/postseal.jar -print -quit)" ]; then
        echo "building target/postseal.jar..." >&2
        mvn -q -B -DskipTests package >&2
    fi
    mvn -q -B -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >&2 \
        -Dmdep.includeScope=test
    classpath="target/test-classes:target/classes:$(cat target/bench.classpath)"
}

# /tmp/bench.lock etiquette: wait while someone else benchmarks, then hold the lock until bench_cleanup.
bench_lock_taken=""
bench_lock() {
    while [ -e /tmp/bench.lock ]; do
        echo "waiting: /tmp/bench.lock exists ($(cat /tmp/bench.lock 2>/dev/null))" >&2
        sleep 20
    done
    echo "$(basename "$0") pid $$ since $(date -u +%H:%M:%S)" > /tmp/bench.lock
    bench_lock_taken=1
}

bench_free_port() {
    local port
    for _ in $(seq 100); do
        port=$(( 20000 + RANDOM % 20000 ))
        if ! ss -Htln "sport = :$port" | grep -q .; then echo "$port"; return 0; fi
    done
    bench_die "no free port"
}

# bench_start_milter CONF LOG PORT: `bin/postseal milter --config CONF` in the background; sets $milter_pid (the JVM:
# bin/postseal execs java) once it listens on PORT.
milter_pid=""
bench_start_milter() {
    bin/postseal milter --config "$1" > "$2" 2>&1 &
    milter_pid=$!
    local deadline=$(( SECONDS + 60 ))
    until ss -Htln "sport = :$3" | grep -q .; do
        kill -0 "$milter_pid" 2>/dev/null || { cat "$2" >&2; bench_die "the milter exited"; }
        [ $SECONDS -lt $deadline ] || { cat "$2" >&2; bench_die "the milter did not listen on $3 in 60 s"; }
        sleep 0.2
    done
}

bench_stop_milter() {
    [ -n "$milter_pid" ] || return 0
    kill "$milter_pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$milter_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$milter_pid" 2>/dev/null || true
    wait "$milter_pid" 2>/dev/null || true
    milter_pid=""
}

# On exit: the milter stopped, the work directory removed (KEEP_WORK=1 keeps it), the lock released.
bench_cleanup() {
    set +e
    bench_stop_milter
    if [ -n "${work:-}" ]; then
        [ -n "${KEEP_WORK:-}" ] && echo "kept $work" >&2 || rm -rf "$work"
    fi
    [ -n "$bench_lock_taken" ] && rm -f /tmp/bench.lock
}

# Shared by opendkim_sign.sh and opendkim_verify.sh (sourced, not run): starts the real
# opendkim milter in the foreground in a private directory and has miltertest
# (opendkim_milter.lua) play the MTA for one message.
#
#   odk_begin                       make $work, cleaned up (and opendkim stopped) on exit
#   odk_transaction MESSAGE CAPTURE NOSPACE
#                                   run opendkim with $work/opendkim.conf, which must
#                                   name "Socket local:$work/milter.sock"; leaves the
#                                   message with the CAPTURE header fields opendkim
#                                   added in $work/out; exits 2 on any failure

readonly OPENDKIM=${OPENDKIM:-/usr/sbin/opendkim}
readonly MILTERTEST=${MILTERTEST:-/usr/bin/miltertest}
readonly TIMEOUT_SECONDS=${INTEROP_TIMEOUT:-30}
readonly ODK_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

odk_pid=

odk_stop() {
  if [[ -n $odk_pid ]]; then
    # libmilter polls its listening socket every 5 s before it honours SIGTERM;
    # give it a moment, then stop it for good.
    kill "$odk_pid" 2> /dev/null || true
    for _ in 1 2 3 4 5; do
      kill -0 "$odk_pid" 2> /dev/null || break
      sleep 0.1
    done
    kill -KILL "$odk_pid" 2> /dev/null || true
    wait "$odk_pid" 2> /dev/null || true
    odk_pid=
  fi
}

odk_begin() {
  local tool
  for tool in "$OPENDKIM" "$MILTERTEST"; do
    command -v "$tool" > /dev/null || { echo "$0: missing program: $tool" >&2; exit 2; }
  done
  # A unix socket path must stay short (108 bytes), so the directory lives under /tmp.
  work=$(mktemp -d /tmp/opendkim-interop.XXXXXX)
  trap 'odk_stop; rm -rf "$work"' EXIT
}

odk_transaction() {
  local message=$1 capture=$2 nospace=$3
  "$OPENDKIM" -f -x "$work/opendkim.conf" > "$work/opendkim.log" 2>&1 &
  odk_pid=$!
  if ! timeout "$TIMEOUT_SECONDS" "$MILTERTEST" -s "$ODK_HERE/opendkim_milter.lua" \
      -D "socket=local:$work/milter.sock" -D "msgfile=$message" -D "outfile=$work/out" \
      -D "capture=$capture" -D "nospace=$nospace" > "$work/miltertest.log" 2>&1; then
    echo "$0: miltertest failed" >&2
    cat "$work/miltertest.log" "$work/opendkim.log" >&2
    exit 2
  fi
  odk_stop
  # notes about header fields miltertest cannot hand over exactly
  cat "$work/miltertest.log" >&2
}

#!/bin/bash
# Verifies every DKIM-Signature of MESSAGE with the real opendkim milter, without DNS.
#
#   opendkim_verify.sh MESSAGE KEYS
#
# KEYS holds lines "selector._domainkey.domain<TAB>TXT value" (blank lines and lines
# starting with # are ignored). opendkim runs as a verifying milter (Mode v) in a
# private temporary directory, with TestPublicKeys naming a copy of KEYS: libopendkim
# then answers every key query from that file instead of DNS. miltertest
# (opendkim_milter.lua) plays Postfix and collects the Authentication-Results header
# field opendkim adds: it holds one dkim= result per signature, top to bottom, and
# those are what this script reports:
#
#   INDEX d=DOMAIN s=SELECTOR a=ALGORITHM RESULT [(DETAIL)]
#
# The milter, not `opendkim -t FILE`: test mode rewrites the white space after each
# header field's colon to a single space, which breaks simple header
# canonicalization for fields such as "Subject:  two spaces".
#
# Exit status: 0 if there is at least one signature and opendkim passes every one,
# 1 otherwise (also when it reports fewer results than there are signatures), 2 on a
# usage or internal error.

set -euo pipefail
source "$(dirname "$0")/opendkim_lib.sh"

if [[ $# -ne 2 ]]; then
  echo "usage: $0 MESSAGE KEYS" >&2
  exit 2
fi
message=$1 keys=$2
[[ -r $message ]] || { echo "$0: cannot read message: $message" >&2; exit 2; }
[[ -r $keys ]] || { echo "$0: cannot read keys: $keys" >&2; exit 2; }

odk_begin
# One "name<TAB>value" per line, names without a trailing dot, as libopendkim reads them.
awk -F '\t' 'NF >= 2 && $1 !~ /^#/ { name = $1; sub(/\.$/, "", name); value = $0; sub(/^[^\t]*\t/, "", value); print name "\t" value }' \
  "$keys" > "$work/keys"
{
  echo "Mode v"
  echo "Socket local:$work/milter.sock"
  echo "TestPublicKeys $work/keys"
  echo "AuthservID interop"
  echo "AlwaysAddARHeader yes"
  echo "MaximumSignaturesToVerify 100"
  echo "TemporaryDirectory $work"
  echo "Syslog no"
  echo "UMask 077"
} > "$work/opendkim.conf"

odk_transaction "$message" Authentication-Results warn

signatures=$(awk '/^\r?$/ { exit } tolower($0) ~ /^dkim-signature[ \t]*:/ { n++ } END { print n + 0 }' "$message")

# The added Authentication-Results field is the first of $work/out, maybe folded.
awk -v expected="$signatures" '
  function tag(text, name,    m) {
    if (match(text, "(^|[ \t])" name "=[^ \t;]*")) {
      m = substr(text, RSTART, RLENGTH); sub(/^[ \t]/, "", m); return substr(m, length(name) + 2)
    }
    return "?"
  }
  { sub(/\r$/, "") }
  NR == 1 { sub(/^Authentication-Results:/, ""); ar = $0; next }
  /^[ \t]/ { ar = ar " " $0; next }
  { exit }
  END {
    if (expected == 0) { print "no DKIM-Signature header field"; exit 1 }
    n = split(ar, parts, ";")
    count = 0; passed = 0
    for (i = 1; i <= n; i++) {
      part = parts[i]; sub(/^[ \t]+/, "", part)
      if (part !~ /^dkim=/) continue
      result = substr(part, 6); sub(/[ \t].*$/, "", result)
      detail = ""
      if (match(part, /reason="[^"]*"/)) detail = substr(part, RSTART + 8, RLENGTH - 9)
      else if (match(part, /\([^)]*\)/)) detail = substr(part, RSTART + 1, RLENGTH - 2)
      printf "%d d=%s s=%s a=%s %s%s\n", count, tag(part, "header.d"), tag(part, "header.s"),
        tag(part, "header.a"), result, (detail == "" ? "" : " (" detail ")")
      count++
      if (result == "pass") passed++
    }
    if (count != expected) {
      printf "opendkim reported %d results for %d signatures\n", count, expected; exit 1
    }
    exit passed == count ? 0 : 1
  }
' "$work/out"

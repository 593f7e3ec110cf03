#!/bin/bash
# Signs MESSAGE with the real opendkim milter and writes the signed message to stdout.
#
#   opendkim_sign.sh MESSAGE SELECTOR DOMAIN KEYFILE ALGORITHM CANON [SIGNHEADERS]
#
# ALGORITHM is rsa-sha256 or ed25519-sha256; CANON is header/body, e.g. relaxed/simple;
# SIGNHEADERS, if given, is a comma-separated list for opendkim's SignHeaders.
# KEYFILE is a PEM private key: PKCS#1 or PKCS#8 for RSA, PKCS#8 for Ed25519
# (opendkim 2.11 rejects dkimpy's raw base64 Ed25519 seed, and DER).
#
# opendkim runs in the foreground in a private temporary directory, listening on a
# unix socket there, with Mode s, OversignHeaders From and InternalHosts 127.0.0.1, and
# a KeyTable and SigningTable that sign every message with DOMAIN and SELECTOR;
# miltertest (opendkim_milter.lua) plays Postfix. The DKIM-Signature header field
# opendkim asks to insert is put on top of the message, which is otherwise copied
# unchanged. With simple header canonicalization a header field without a space after
# its colon is refused (see opendkim_milter.lua).
#
# Exit status: 0 signed, 2 usage or internal error (diagnostics on stderr).

set -euo pipefail
source "$(dirname "$0")/opendkim_lib.sh"

usage() {
  echo "usage: $0 MESSAGE SELECTOR DOMAIN KEYFILE rsa-sha256|ed25519-sha256 HEADER/BODY-CANON [SIGNHEADERS]" >&2
  exit 2
}

[[ $# -eq 6 || $# -eq 7 ]] || usage
message=$1 selector=$2 domain=$3 keyfile=$4 algorithm=$5 canon=$6 signheaders=${7:-}
[[ -r $message ]] || { echo "$0: cannot read message: $message" >&2; exit 2; }
[[ -r $keyfile ]] || { echo "$0: cannot read key file: $keyfile" >&2; exit 2; }
case $algorithm in rsa-sha256 | ed25519-sha256) ;; *) echo "$0: algorithm: $algorithm (expected: rsa-sha256, ed25519-sha256)" >&2; exit 2 ;; esac
case $canon in simple | relaxed | simple/simple | simple/relaxed | relaxed/simple | relaxed/relaxed) ;;
  *) echo "$0: canonicalization: $canon (expected: header/body of simple, relaxed)" >&2; exit 2 ;;
esac

odk_begin
install -m 600 "$keyfile" "$work/signing.key"
# Whatever the From: domain, sign with DOMAIN and SELECTOR.
printf 'interop %s:%s:%s\n' "$domain" "$selector" "$work/signing.key" > "$work/keytable"
printf '*@* interop\n' > "$work/signingtable"
{
  echo "Mode s"
  echo "Socket local:$work/milter.sock"
  echo "KeyTable $work/keytable"
  echo "SigningTable refile:$work/signingtable"
  echo "Canonicalization $canon"
  echo "SignatureAlgorithm $algorithm"
  echo "OversignHeaders From"
  [[ -z $signheaders ]] || echo "SignHeaders $signheaders"
  echo "InternalHosts 127.0.0.1"
  echo "RequireSafeKeys false"
  echo "TemporaryDirectory $work"
  echo "Syslog no"
  echo "UMask 077"
} > "$work/opendkim.conf"

nospace=warn
[[ ${canon%%/*} != simple ]] || nospace=refuse
odk_transaction "$message" DKIM-Signature "$nospace"
cat "$work/out"

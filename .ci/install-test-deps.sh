#!/bin/bash
# Installs the Debian packages the test suite talks to: postfix, and the third-party
# DKIM implementations the interop tests ask to sign and verify (dkimpy, Mail::DKIM,
# OpenDKIM with miltertest), plus swaks, socat and openssl, PowerDNS with its sqlite3
# backend, the DNS server the key-lookup tests publish records in, OpenDMARC, which
# reads the milter's Authentication-Results in the DMARC chain test, rsyslog, the
# syslog daemon the syslog test starts with its own configuration; and for the Debian
# package test, systemd-analyze, deb-systemd-helper, adduser and setpriv. podman-setup.sh
# adds podman and the base image for the container tests.
#
# Idempotent: it checks for each command or module first and runs apt-get only when
# something is missing, installing just the missing packages. Postfix is preseeded
# with "No configuration", and no service is started while packages install (a
# policy-rc.d that refuses every start is put in place if there is none), so neither
# the system postfix, opendkim, opendmarc, pdns nor rsyslog is configured or started.
#
# Uses sudo when not run as root.

set -euo pipefail

if [[ $(id -u) -eq 0 ]]; then
  as_root=()
else
  as_root=(sudo)
fi

readonly PYTHON=/usr/bin/python3

has_command() { command -v "$1" > /dev/null 2>&1 || [[ -x /usr/sbin/$1 ]]; }
has_python_module() { [[ -x $PYTHON ]] && "$PYTHON" -c "import $1" > /dev/null 2>&1; }
has_perl_module() { perl -M"$1" -e 1 > /dev/null 2>&1; }
has_file() { [[ -f $1 ]]; }

missing=()
need() {
  local package=$1 check=$2 name=$3
  if ! "$check" "$name"; then
    missing+=("$package")
  fi
}

need postfix has_command postfix
need python3-dkim has_python_module dkim
need python3-dnspython has_python_module dns.resolver
need libmail-dkim-perl has_perl_module Mail::DKIM::Verifier
need libnet-dns-resolver-mock-perl has_perl_module Net::DNS::Resolver::Mock
need opendkim has_command opendkim
need opendkim-tools has_command opendkim-testmsg
need miltertest has_command miltertest
need swaks has_command swaks
need socat has_command socat
need openssl has_command openssl
need msmtp has_command msmtp
need dovecot-core has_command doveadm
need pdns-server has_command pdns_server
need pdns-backend-sqlite3 has_file /usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql
need opendmarc has_command opendmarc
need rsyslog has_command rsyslogd
# the Debian package test: dpkg -i, the units checked by systemd-analyze, the milter run as the unit says
need systemd has_command systemd-analyze
need init-system-helpers has_command deb-systemd-helper
need adduser has_command adduser
need util-linux has_command setpriv

# podman, podman-compose and the Debian base image the container tests build on (idempotent too)
bash "$(dirname "${BASH_SOURCE[0]}")/podman-setup.sh"

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-test-deps: all test dependencies present"
  exit 0
fi

echo "install-test-deps: installing ${missing[*]}"

policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\n# temporary: install-test-deps.sh starts no service\nexit 101\n' \
    | "${as_root[@]}" tee "$policy" > /dev/null
  "${as_root[@]}" chmod 755 "$policy"
  trap '"${as_root[@]}" rm -f "$policy"' EXIT
fi

echo "postfix postfix/main_mailer_type select No configuration" \
  | "${as_root[@]}" debconf-set-selections
"${as_root[@]}" apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-test-deps: installed ${missing[*]}"

#!/bin/sh
# Applies POSTFIX_<parameter>=<value> environment variables to main.cf with postconf -e, then runs the command
# (postfix start-fg: Postfix in the foreground, its log on standard output).
set -eu
env | while IFS='=' read -r name value; do
    case "$name" in
        POSTFIX_*) postconf -e "${name#POSTFIX_}=$value" ;;
    esac
done
exec "$@"

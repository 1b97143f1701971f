#!/bin/bash
# The bash completion of vigilctl (packaging/completion/vigilctl), run as
# bash runs it at TAB, with no agent: vigilctl complete falls back to a
# config file, VIGILCTL_CONFIG. Needs bash-completion (scripts/deps).
# Run by ctest: completion.sh VIGILCTL COMPLETION_FILE EXAMPLE_CONFIG
set -uo pipefail # not -e: bash_completion's functions are not written for it

ctl=$1 completion=$2 example=$3
# shellcheck source=/dev/null
source /usr/share/bash-completion/bash_completion || exit 1
# shellcheck source=/dev/null
source "$completion" || exit 1

sock=/nonexistent/vigil.sock
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

# COMP_WORDS as bash splits LINE (the cursor at its end): at blanks, and
# around each run of the word breaks that can be in these lines (: = @).
split_line()
{
    local line=$1 word part
    COMP_WORDS=()
    for word in $line; do
        while [[ $word =~ ^([^:=@]+|[:=@]+)(.*)$ ]]; do
            part=${BASH_REMATCH[1]}
            word=${BASH_REMATCH[2]}
            COMP_WORDS+=("$part")
        done
    done
    # the cursor after a blank is on a new, empty word
    [[ $line == *' ' ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE=$line
    COMP_POINT=${#line}
}

# expect LINE WORD...: TAB at the end of "vigilctl LINE" offers the WORDs.
expect()
{
    local line="$ctl $1" got want start
    shift
    split_line "$line"
    COMPREPLY=()
    start=$(date +%s%N)
    _vigilctl "$ctl" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" \
        2>"$tmp/stderr"
    got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | paste -sd ' ')
    want=$(printf '%s\n' "$@" | sort | paste -sd ' ')
    if [[ $got != "$want" ]]; then
        echo "FAIL: vigilctl ${line#"$ctl "}<TAB>: [$got], not [$want]" >&2
        status=1
    elif [[ -s $tmp/stderr ]]; then
        echo "FAIL: vigilctl ${line#"$ctl "}<TAB> wrote to stderr:" >&2
        cat "$tmp/stderr" >&2
        status=1
    else
        echo "ok: vigilctl ${line#"$ctl "}<TAB>: [$got] ($((($(date +%s%N) - start) / 1000000)) ms)"
    fi
}

export VIGILCTL_CONFIG=$example
expect "" list events quarantine release reload status check
expect "qu" quarantine
expect "-s $sock list " api dns6
expect "-s $sock events a" api
expect "-s $sock quarantine " api dns6
expect "-s $sock quarantine api " 192.168.1.10:8443 192.168.1.11:8443
expect "-s $sock quarantine api 192.168.1.11" 192.168.1.11:8443
# readline replaces what follows the last colon
expect "-s $sock release api 192.168.1.10:" 8443
expect "-s $sock release dns6 [fd00::1:1" 10]:53 11]:53
expect "--socket=$sock release 'dns6' " '[fd00::1:10]:53' '[fd00::1:11]:53'
expect "-s $sock quarantine api 192.168.1.10:8443 "
expect "-s $sock quarantine nosuch "
expect "-s $sock list -t " 10.96.0.10:443
expect "-s $sock list -t 10.96.0.10:" 443
expect "-s $sock list -u " '[fd00::53]:53'
expect "-s $sock list --sctp-service "
expect "-s $sock list --tcp-service=" 10.96.0.10:443
expect "-s $sock quarantine api 192.168.1.10:8443 --for " 30s 5m 10m 1h

# -f: list's FWMARK when a number follows it, events' --follow otherwise
cat >"$tmp/vigil.yaml" <<'EOF'
services:
  - name: -x
    vip: 10.96.0.20:80
    destinations: [10.1.0.1:80]
  - name: marked
    fwmark: 10
    destinations: [10.1.0.2:80]
  - name: marked6
    fwmark: 300
    destinations: ["[fd00::2]:80"]
EOF
export VIGILCTL_CONFIG=$tmp/vigil.yaml
expect "-s $sock list -f " 10 300
expect "-s $sock list --fwmark-service 3" 300
expect "-s $sock -f " 10 300
expect "-s $sock events -f " marked marked6
expect "-s $sock list -f 10 -" -n --numeric -c --connection -t --tcp-service -u --udp-service --sctp-service \
    -f --fwmark-service -6 --stats --rate --exact --sort --ipvsadm --nosort --thresholds \
    --persistent-conn --tun-info --timeout -j --json
# a service called -x: after --, as vigilctl takes it
expect "-s $sock quarantine -" --for
expect "-s $sock quarantine -- -" -x
expect "-s $sock quarantine -- -x " 10.1.0.1:80

# no agent and no config: nothing, at once, and quietly
export VIGILCTL_CONFIG=/nonexistent/vigil.yaml
expect "-s $sock quarantine "
expect "-s $sock quarantine api "
expect "-s $sock list -t "
exit $status

# The shell sensor: BOOT three times, then a PING every interval with a little jitter, as
# the Node sensor does. The settings (NM_*) are set above by `netmonitor sensor-script`.
#
#   sh sensor.sh                   runs until SIGTERM (procd, systemd)
#   sh sensor.sh --pidfile FILE    the same, unless FILE names a sensor that still runs
#                                  (from cron: starts it again when it has stopped)

NM_BOOT_REPEATS=3
NM_POST_TIMEOUT=10
nm_problem=
nm_sleeper=

# One line to stderr, and to syslog when logger is there.
nm_log() {
  printf 'netmonitor: %s\n' "$1" >&2
  if [ -n "$nm_logger" ]; then logger -t netmonitor "$1" 2>/dev/null; fi
}

# Network trouble is logged when it starts, when it changes and when it ends, never once
# per datagram (an empty argument: all is well).
nm_trouble() {
  [ "$1" = "$nm_problem" ] && return
  if [ -z "$1" ]; then nm_log "network ok again: heartbeats reach the server"
  else nm_log "network problem: $1; still trying every ${NM_INTERVAL}s"
  fi
  nm_problem=$1
}

nm_have() { command -v "$1" >/dev/null 2>&1; }

# The key: from the settings, or read from NM_KEY_FILE at every start.
nm_read_key() {
  if [ -n "$NM_KEY_FILE" ]; then
    if ! IFS=' 	' read -r NM_KEY < "$NM_KEY_FILE"; then
      [ -n "$NM_KEY" ] || { nm_log "cannot read the key file $NM_KEY_FILE"; exit 2; }
    fi
  fi
  case $NM_KEY in
    *[!0-9a-fA-F]* | '') nm_log "the key must be 64 hex digits (netmonitor keygen makes one)"; exit 2 ;;
  esac
  [ ${#NM_KEY} -eq 64 ] || { nm_log "the key must be 64 hex digits (netmonitor keygen makes one)"; exit 2; }
}

# The boot counter: read, incremented, and stored (a temporary file renamed over the old
# one, synced where sync exists) before anything is sent. It is the one write per start, to
# spare the flash. A damaged file is not reset to 0, which the server would refuse as a
# replay: the counter restarts from the Unix time, above anything counting starts reaches.
nm_next_boot() {
  nm_boot=0
  if [ -e "$NM_STATE_FILE" ]; then
    nm_boot=
    nm_stored=
    # The whole file as one line: a counter written by hand or by a JSON tool may span lines.
    while IFS= read -r nm_part || [ -n "$nm_part" ]; do nm_stored="$nm_stored$nm_part"; done < "$NM_STATE_FILE"
    if [ -n "$nm_stored" ]; then
      case $nm_stored in
        *'"boot"'*)
          nm_stored=${nm_stored#*'"boot"'}
          nm_stored=${nm_stored#"${nm_stored%%[0-9]*}"}
          nm_stored=${nm_stored%%[!0-9]*}
          case $nm_stored in
            0 | [1-9] | [1-9][0-9] | [1-9][0-9][0-9] | [1-9][0-9][0-9][0-9]*) [ ${#nm_stored} -le 15 ] && nm_boot=$nm_stored ;;
          esac ;;
      esac
    fi
    if [ -z "$nm_boot" ]; then
      nm_boot=$(date +%s)
      nm_log "$NM_STATE_FILE holds no boot counter; counting from the time instead ($nm_boot)"
    fi
  fi
  nm_boot=$(( nm_boot + 1 ))
  nm_dir=${NM_STATE_FILE%/*}
  [ "$nm_dir" = "$NM_STATE_FILE" ] && nm_dir=.
  nm_tmp="$NM_STATE_FILE.tmp.$$"
  if ! { mkdir -p "$nm_dir" && printf '{"boot":%s}\n' "$nm_boot" > "$nm_tmp"; }; then
    nm_log "cannot write the boot counter to $NM_STATE_FILE"
    exit 1
  fi
  if nm_have sync; then sync; fi
  if ! mv -f "$nm_tmp" "$NM_STATE_FILE"; then
    nm_log "cannot write the boot counter to $NM_STATE_FILE"
    exit 1
  fi
  if nm_have sync; then sync; fi
}

# The first of socat, a netcat with -u, and bash's /dev/udp; empty when none is here
# (stock OpenWrt: busybox nc has no UDP).
nm_pick_udp() {
  if nm_have socat; then nm_udp=socat
  elif nm_have nc && nc -h 2>&1 | grep -q '^[[:space:]]*-u'; then nm_udp=nc
  elif [ -n "${BASH_VERSION:-}" ]; then nm_udp=bash
  else nm_udp=
  fi
}

# The first of uclient-fetch (OpenWrt's), wget (busybox's or GNU's) and curl.
nm_pick_http() {
  nm_timeout=
  if nm_have uclient-fetch; then nm_http=uclient-fetch
  elif nm_have wget; then
    nm_http=wget
    # Busybox's wget has -T only in some builds ("-T SEC"; GNU wget says "-T,  --timeout").
    if wget --help 2>&1 | grep -q -e '-T[ ,]'; then nm_timeout="-T $NM_POST_TIMEOUT"; fi
  elif nm_have curl; then nm_http=curl
  else nm_http=
  fi
}

# nm_send_udp DATAGRAM: true when the tool took it (UDP has no receipts).
nm_send_udp() {
  case $nm_udp in
    socat)
      case $NM_SERVER in
        *:*) printf '%s' "$1" | socat -u - "UDP-SENDTO:[$NM_SERVER]:$NM_PORT" 2>/dev/null ;;
        *) printf '%s' "$1" | socat -u - "UDP-SENDTO:$NM_SERVER:$NM_PORT" 2>/dev/null ;;
      esac ;;
    nc) printf '%s' "$1" | nc -u -w 1 "$NM_SERVER" "$NM_PORT" >/dev/null 2>&1 ;;
    bash) { printf '%s' "$1" > "/dev/udp/$NM_SERVER/$NM_PORT"; } 2>/dev/null ;;
    *) return 1 ;;
  esac || { nm_failed="cannot send UDP to $NM_SERVER:$NM_PORT with $nm_udp"; return 1; }
}

# nm_post DATAGRAM: true when the server answered 2xx (204: accepted).
nm_post() {
  case $nm_http in
    # $nm_timeout is empty or two words.
    # shellcheck disable=SC2086
    wget) nm_out=$(wget -q $nm_timeout -O /dev/null --header 'Content-Type: text/plain' --post-data "$1" "$NM_URL" 2>&1) ;;
    # Not -q: quiet, uclient-fetch would not say "HTTP error 403".
    uclient-fetch) nm_out=$(uclient-fetch -T "$NM_POST_TIMEOUT" -O /dev/null --header 'Content-Type: text/plain' --post-data="$1" "$NM_URL" 2>&1) ;;
    curl) nm_out=$(curl -sS -f -m "$NM_POST_TIMEOUT" -o /dev/null -H 'Content-Type: text/plain' --data-binary "$1" "$NM_URL" 2>&1) ;;
    *) return 1 ;;
  esac && return 0
  # Tell the server's answer (403 for a replay, say) from a network that is down.
  case $nm_out in
    *' 4'[0-9][0-9]* | *' 5'[0-9][0-9]*)
      nm_code=${nm_out#*' '[45][0-9][0-9]}
      nm_code=${nm_out%"$nm_code"}
      nm_failed="$NM_URL answered ${nm_code##* }" ;;
    *) nm_failed="cannot post to $NM_URL with $nm_http" ;;
  esac
  return 1
}

# nm_heartbeat TYPE: makes, signs and sends datagram number nm_seq.
nm_heartbeat() {
  nm_up=-
  if [ -r /proc/uptime ]; then IFS=' ' read -r nm_up nm_idle < /proc/uptime || nm_up=-; fi
  case $nm_up in '' | *[!0-9.]* | .* | *. | *.*.* | *.????*) nm_up=- ;; esac
  nm_line="NM1 $NM_ID $nm_boot $nm_seq $1 $nm_up $NM_INTERVAL"
  nm_hmac "$nm_line"
  nm_datagram="$nm_line ${nm_digest%????????????????????????????????}"
  nm_failed=
  case $NM_TRANSPORT in
    udp) nm_send_udp "$nm_datagram" ;;
    http) nm_post "$nm_datagram" ;;
    # auto: UDP when a tool for it is here, and NM1 over HTTP when that fails too.
    *) nm_send_udp "$nm_datagram" || nm_post "$nm_datagram" ;;
  esac && nm_failed=
  nm_trouble "$nm_failed"
}

# nm_wait SECONDS: a sleep that SIGTERM cuts short (a foreground sleep would hold the trap).
nm_wait() {
  sleep "$1" &
  nm_sleeper=$!
  wait "$nm_sleeper"
  nm_sleeper=
}

nm_stop() {
  [ -n "$nm_sleeper" ] && kill "$nm_sleeper" 2>/dev/null
  exit 0
}

# nm_claim FILE: false when FILE names a running sensor, else FILE gets this shell's pid.
nm_claim() {
  if IFS= read -r nm_pid < "$1" 2>/dev/null && [ -n "$nm_pid" ] && [ -r "/proc/$nm_pid/cmdline" ]; then
    IFS= read -r nm_cmdline < "/proc/$nm_pid/cmdline"
    # The arguments are NUL-separated, which read stops at: the name of the shell comes first.
    case $nm_cmdline in *sh*) kill -0 "$nm_pid" 2>/dev/null && return 1 ;; esac
  fi
  echo "$$" > "$1"
}

nm_main() {
  trap nm_stop TERM INT HUP
  umask 077
  if [ "${1:-}" = --pidfile ] && [ -n "${2:-}" ]; then nm_claim "$2" || exit 0; fi
  # Unset state_file: systemd's StateDirectory= if set, else /etc (kept across reboots on OpenWrt).
  if [ -z "$NM_STATE_FILE" ]; then
    if [ -n "${STATE_DIRECTORY:-}" ]; then NM_STATE_FILE="${STATE_DIRECTORY%%:*}/sensor-state.json"
    else NM_STATE_FILE=/etc/netmonitor/sensor-state.json
    fi
  fi
  if nm_have logger; then nm_logger=1; else nm_logger=; fi
  [ -n "$nm_hasher" ] || { nm_log "neither sha256sum nor openssl is here: cannot sign heartbeats"; exit 1; }
  nm_read_key
  nm_hmac_key "$NM_KEY"
  nm_pick_udp
  nm_pick_http
  case $NM_TRANSPORT in
    udp) [ -n "$nm_udp" ] || { nm_log "no way to send UDP here: install socat, or set transport to auto or http"; exit 1; }
         nm_how="udp ($nm_udp) to $NM_SERVER:$NM_PORT" ;;
    http) [ -n "$nm_http" ] || { nm_log "no uclient-fetch, wget or curl here for NM1 over HTTP"; exit 1; }
          nm_how="http ($nm_http) to $NM_URL" ;;
    *) if [ -n "$nm_udp" ]; then nm_how="udp ($nm_udp) to $NM_SERVER:$NM_PORT"
       elif [ -n "$nm_http" ]; then nm_how="http ($nm_http) to $NM_URL"; NM_TRANSPORT=http
       else nm_log "no tool here to send UDP (socat, nc -u, bash) or HTTP (uclient-fetch, wget, curl)"; exit 1
       fi
       [ -n "$nm_http" ] || NM_TRANSPORT=udp ;;
  esac
  nm_next_boot
  nm_log "sensor $NM_ID boot $nm_boot: heartbeats by $nm_how every ${NM_INTERVAL}s"
  nm_spacing=2
  [ "$NM_INTERVAL" -lt 2 ] && nm_spacing=$NM_INTERVAL
  # The interval give or take 5 % (whole seconds: busybox's sleep takes no fractions), so
  # that many sensors restarted together spread out.
  nm_spread=$(( NM_INTERVAL / 20 ))
  nm_seq=0
  while :; do
    if [ "$nm_seq" -lt "$NM_BOOT_REPEATS" ]; then nm_heartbeat BOOT; else nm_heartbeat PING; fi
    nm_seq=$(( nm_seq + 1 ))
    if [ "$nm_seq" -lt "$NM_BOOT_REPEATS" ]; then nm_wait "$nm_spacing"; continue; fi
    # The last MAC is as good a random number as any here ($RANDOM is not POSIX).
    nm_random=$(( 0x${nm_digest#????????????????????????????????????????????????????????????} ))
    nm_wait $(( NM_INTERVAL - nm_spread + nm_random % (2 * nm_spread + 1) ))
  done
}

nm_main "$@"

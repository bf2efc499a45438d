#!/bin/sh
# An event listener that shuts the supervisor down when any program goes FATAL
# (the usual need in a container: let the orchestrator restart the whole thing).
# Works unchanged under effsup and supervisord:
#
#   [eventlistener:exit-on-fatal]
#   command=/path/to/exit-on-fatal.sh
#   events=PROCESS_STATE_FATAL
#
# Protocol: write READY, read one header line, read len bytes of payload,
# answer RESULT 2\nOK, repeat. Anything else on stdout breaks the protocol,
# so diagnostics go to stderr.
printf 'READY\n'
while IFS= read -r header; do
  len=${header##*len:}
  payload=$(head -c "$len")
  echo "got: $header $payload" >&2
  case "$header" in
    *eventname:PROCESS_STATE_FATAL*) kill -TERM "$PPID" ;;
  esac
  printf 'RESULT 2\nOK'
  printf 'READY\n'
done

/**
 * The sample configuration `effsup echo-config` prints (the counterpart of echo_supervisord_conf):
 * every section and option effsup understands, commented out and set to its default, with a short note.
 * Written for effsup; the defaults match supervisord 4.2.5 (shared/reference/supervisord-4.2.5.md §1.5–§1.13).
 *
 * Invariant: the text loads without issues or warnings, and every commented-out value is the default.
 * @since 0.1.0
 */

/** A commented sample config; uncomment and edit what you need. */
export const sampleConfig: string = `; effsup configuration (supervisord-compatible INI).
;
; Lines starting with ';' or '#' are comments. An inline comment needs a space
; before its ';' or '#'. Values may use %(here)s (this file's directory) and
; %(ENV_NAME)s (an environment variable); write %% for a literal percent sign.
; Every commented option below shows its default.

[unix_http_server]
file=/tmp/effsup.sock          ; socket path for the control client and web UI
;chmod=0700                    ; mode of the socket file
;chown=nobody:nogroup          ; owner of the socket file (user or user:group)
;username=user                 ; enables basic auth (set both or neither)
;password=123                  ; plain text, or {SHA} followed by a hex SHA-1 digest

;[inet_http_server]            ; TCP listener, off unless this section exists
;port=127.0.0.1:9001           ; host:port, :port or *:port (all interfaces)
;username=user                 ; enables basic auth (set both or neither)
;password=123                  ; plain text, or {SHA} followed by a hex SHA-1 digest

[supervisord]
;logfile=supervisord.log       ; activity log (relative to the start directory); 'syslog' also works
;logfile_maxbytes=50MB         ; rotate the activity log at this size (0 = never)
;logfile_backups=10            ; rotated copies to keep (0 = none)
;loglevel=info                 ; critical, error, warn, info, debug, trace or blather
;pidfile=supervisord.pid       ; written at start, removed at exit
;nodaemon=false                ; stay in the foreground
;silent=false                  ; in the foreground, do not echo the activity log
;minfds=1024                   ; raise the open-file limit to at least this
;minprocs=200                  ; raise the process limit to at least this
;umask=022                     ; umask when daemonizing
;user=nobody                   ; switch to this user at start (needs root)
;identifier=supervisor         ; name reported over RPC and in event headers
;directory=/tmp                ; change to this directory when daemonizing
;nocleanup=false               ; keep old AUTO child logs at start
;childlogdir=/tmp              ; where AUTO child logs go (default: the temp dir)
;strip_ansi=false              ; remove terminal escape sequences from child logs
;environment=KEY="value"       ; added to every child's environment (write %%%% for %)

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix:///tmp/effsup.sock ; where the client connects (or http://127.0.0.1:9001)
;username=user                 ; must match the server's username
;password=123                  ; the plain-text password
;prompt=supervisor             ; interactive prompt
;history_file=~/.sc_history    ; keep the interactive history here

; A program runs numprocs copies of one command, as a group of the same name.
;[program:theprogramname]
;command=/bin/cat              ; the command to run (required); relative names are looked up in PATH
;process_name=%(program_name)s ; must contain %(process_num)s when numprocs > 1
;numprocs=1                    ; how many copies to run
;numprocs_start=0              ; first value of %(process_num)s
;directory=/tmp                ; change to this directory before running the command
;umask=022                     ; umask of the child (default: inherited)
;priority=999                  ; lower starts first and stops last
;autostart=true                ; start when effsup starts
;startsecs=1                   ; seconds it must stay up to count as started (0 = at once)
;startretries=3                ; failed starts in a row before giving up (FATAL)
;autorestart=unexpected        ; restart after exit: true, false or unexpected
;exitcodes=0                   ; exit codes that count as expected
;stopsignal=TERM               ; first signal sent to stop it
;stopwaitsecs=10               ; wait this long for it to exit before SIGKILL
;stopasgroup=false             ; send the stop signal to its whole process group
;killasgroup=false             ; send SIGKILL to its whole process group (default: same as stopasgroup)
;user=nobody                   ; run it as this user (needs root)
;redirect_stderr=false         ; merge stderr into stdout
;stdout_logfile=AUTO           ; a path, AUTO (a file in childlogdir) or NONE
;stdout_logfile_maxbytes=50MB  ; rotate at this size (0 = never)
;stdout_logfile_backups=10     ; rotated copies to keep (0 = none)
;stdout_capture_maxbytes=0     ; > 0 turns on capture mode for PROCESS_COMMUNICATION events
;stdout_events_enabled=false   ; emit PROCESS_LOG_STDOUT events
;stdout_syslog=false           ; also send stdout to syslog
;stderr_logfile=AUTO           ; a path, AUTO (a file in childlogdir) or NONE
;stderr_logfile_maxbytes=50MB  ; rotate at this size (0 = never)
;stderr_logfile_backups=10     ; rotated copies to keep (0 = none)
;stderr_capture_maxbytes=0     ; > 0 turns on capture mode for PROCESS_COMMUNICATION events
;stderr_events_enabled=false   ; emit PROCESS_LOG_STDERR events
;stderr_syslog=false           ; also send stderr to syslog
;environment=A="1",B="2"       ; extra environment for the child
;serverurl=AUTO                ; SUPERVISOR_SERVER_URL for the child

; An event listener pool: processes that receive events on stdin.
; It takes every [program:x] option except redirect_stderr, plus these.
;[eventlistener:theeventlistenername]
;command=/bin/eventlistener    ; the listener command (required)
;events=EVENT                  ; event types to receive (required), e.g. PROCESS_STATE,TICK_60
;buffer_size=10                ; events queued for the pool before the oldest is dropped
;result_handler=supervisor.dispatchers:default_handler ; the only handler available
;priority=-1                   ; pool priority: listeners start first and stop last

; A group of programs, controlled together as groupname:processname.
;[group:thegroupname]
;programs=progname1,progname2  ; [program:x] names; they leave the top level
;priority=999                  ; start order of the group

; More files to read; later values override earlier ones.
;[include]
;files = relative/directory/*.ini ; globs, relative to this file's directory
`

#!/usr/bin/env bash
# slurm-cluster.sh — a one-node Slurm cluster for cxsim's cluster test.
#
# A test fixture: it brings up a real Slurm controller (slurmctld), a real
# compute daemon (slurmd) and munge on this machine, with the machine's own
# hostname, CPUs and memory, so that sbatch/squeue/scontrol work for real.
# Made for a Debian 12 machine (Slurm 22.05) where it runs as root.
#
# Usage:
#   slurm-cluster.sh up                     install slurm-wlm + munge if missing, start the cluster,
#                                           wait (at most SLURM_KIT_UP_TIMEOUT s, default 60) for the node to be idle
#   slurm-cluster.sh down                   stop what `up` started, remove the scratch dir (idempotent)
#   slurm-cluster.sh wait JOBID [TIMEOUT_S] wait until the job (every task of an array) has left the queue
#                                           (default 600 s), print each task's JobState and ExitCode,
#                                           exit non-zero unless every task is COMPLETED
#   slurm-cluster.sh status                 sinfo and squeue
#
# The configuration is written to /etc/slurm/slurm.conf, where sbatch, squeue, sinfo and scontrol
# find it without SLURM_CONF (an existing one is kept aside and put back by `down`).
# Scratch dir (state, spool, logs, pid files): $SLURM_KIT_DIR, default /tmp/cxsim-slurm.
# No accounting is configured: a finished job's state comes from `scontrol show job`, which keeps
# it for MinJobAge (300 s) after it ends.
#
# Ports 6817 (slurmctld) and 6818 (slurmd) on this machine must be free.
#
set -euo pipefail

KIT_DIR="${SLURM_KIT_DIR:-/tmp/cxsim-slurm}"
CONF_DIR=/etc/slurm
CONF="$CONF_DIR/slurm.conf"
MARKER="# cxsim slurm-kit: written by slurm-cluster.sh"
UP_TIMEOUT="${SLURM_KIT_UP_TIMEOUT:-60}"
MUNGE_KEY=/etc/munge/munge.key
MUNGE_SOCKET_DIR=/run/munge

log() { echo "slurm-cluster: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Every Slurm client call is bounded so that nothing here can hang.
sq() { timeout 15 "$@"; }

install_packages() {
    local missing=()
    command -v slurmctld >/dev/null 2>&1 && command -v slurmd >/dev/null 2>&1 \
        && command -v sbatch >/dev/null 2>&1 || missing+=(slurm-wlm)
    command -v munged >/dev/null 2>&1 || missing+=(munge)
    if ((${#missing[@]})); then
        log "installing ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
            "${missing[@]}" >/dev/null
    fi
}

munge_user() { id -u munge >/dev/null 2>&1 && echo munge || echo root; }

setup_munge() {
    local user; user="$(munge_user)"
    mkdir -p /etc/munge "$MUNGE_SOCKET_DIR" /var/lib/munge /var/log/munge
    if [[ ! -s "$MUNGE_KEY" ]]; then
        log "creating munge key"
        if command -v mungekey >/dev/null 2>&1; then
            mungekey --create --keyfile="$MUNGE_KEY" --force
        else
            dd if=/dev/urandom of="$MUNGE_KEY" bs=1 count=1024 status=none
        fi
    fi
    # munged refuses keys, dirs and sockets with loose permissions or the wrong owner.
    chown "$user:" "$MUNGE_KEY" /etc/munge /var/lib/munge /var/log/munge "$MUNGE_SOCKET_DIR"
    chmod 0400 "$MUNGE_KEY"
    chmod 0700 /etc/munge /var/lib/munge /var/log/munge
    chmod 0755 "$MUNGE_SOCKET_DIR"

    if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
        log "munged already running; using it"
        return
    fi
    rm -f "$MUNGE_SOCKET_DIR"/munge.socket.2*
    log "starting munged as $user"
    local args=(--force --pid-file="$KIT_DIR/munged.pid" --log-file="$KIT_DIR/munged.log")
    if [[ "$user" == root ]]; then
        munged "${args[@]}"
    else
        touch "$KIT_DIR/munged.log"; chown "$user:" "$KIT_DIR/munged.log"
        # munged runs as $user from the start, so its pid file goes in a dir that user owns.
        install -d -o "$user" "$KIT_DIR/munge-run"
        args=(--force --pid-file="$KIT_DIR/munge-run/munged.pid" --log-file="$KIT_DIR/munged.log")
        runuser -u "$user" -- munged "${args[@]}"
        ln -sf munge-run/munged.pid "$KIT_DIR/munged.pid"
    fi
    local i
    for ((i = 0; i < 50; i++)); do
        munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && return
        sleep 0.2
    done
    fail_up "munged did not start (log above)"
}

write_config() {
    local host cpus mem_mb real_mem
    host="$(hostname -s)"
    cpus="$(nproc --all)"
    mem_mb="$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo)"
    # Leave some memory unclaimed so slurmd never finds less than configured.
    real_mem=$((mem_mb * 9 / 10))
    ((real_mem >= 1)) || real_mem=1

    # Everything talks over 127.0.0.1, so the hostname need not resolve; slurmd finds its
    # NodeName by comparing it with `hostname -s`.
    mkdir -p "$CONF_DIR" "$KIT_DIR/state" "$KIT_DIR/spool"
    if [[ -f "$CONF" ]] && ! grep -qF "$MARKER" "$CONF"; then
        log "keeping the existing $CONF as $CONF.pre-cxsim"
        mv "$CONF" "$CONF.pre-cxsim"
    fi

    cat >"$CONF" <<CONF
$MARKER
ClusterName=cxsim
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none

StateSaveLocation=$KIT_DIR/state
SlurmdSpoolDir=$KIT_DIR/spool
SlurmctldPidFile=$KIT_DIR/slurmctld.pid
SlurmdPidFile=$KIT_DIR/slurmd.pid
SlurmctldLogFile=$KIT_DIR/slurmctld.log
SlurmdLogFile=$KIT_DIR/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info

# No cgroups: plain process tracking, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none

SchedulerType=sched/backfill
# A job whose dependency can never be met is cancelled instead of pending forever.
DependencyParameters=kill_invalid_depend
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MaxArraySize=1001
MinJobAge=300

JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none

NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$real_mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
    chmod 0644 "$CONF"

    # No cgroup.conf is written: with the plugins above Slurm 22.05's slurmd still loads a cgroup
    # plugin at start (it has no "disabled" value), and without cgroup.conf it autodetects one.
}

node_state() { sq sinfo -h -N -n "$(hostname -s)" -o '%T' 2>/dev/null | head -n1 || true; }

print_logs() {
    local f
    for f in "$KIT_DIR"/slurmctld.log "$KIT_DIR"/slurmd.log "$KIT_DIR"/munged.log; do
        [[ -f "$f" ]] || continue
        echo "===== $f (last 60 lines)" >&2
        tail -n 60 "$f" >&2 || true
    done
}

# Print the logs, stop whatever `up` started, and fail.
fail_up() {
    print_logs
    local f
    for f in "$KIT_DIR"/slurmctld.out "$KIT_DIR"/slurmd.out; do
        [[ -s "$f" ]] && { echo "===== $f" >&2; cat "$f" >&2; }
    done
    stop_daemons
    die "$1"
}

pid_alive() { [[ -s "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

cmd_up() {
    [[ "$(id -u)" == 0 ]] || die "must run as root"
    if pid_alive "$KIT_DIR/slurmctld.pid" || pid_alive "$KIT_DIR/slurmd.pid"; then
        die "a cluster from $KIT_DIR is already running; run '$0 down' first"
    fi
    local start=$SECONDS
    install_packages
    rm -rf "$KIT_DIR"
    mkdir -p "$KIT_DIR"
    setup_munge
    write_config

    local host; host="$(hostname -s)"
    local start_daemons=$SECONDS
    log "starting slurmctld"
    slurmctld -i >"$KIT_DIR/slurmctld.out" 2>&1 || fail_up "slurmctld failed to start (logs above)"
    log "starting slurmd"
    slurmd >"$KIT_DIR/slurmd.out" 2>&1 || fail_up "slurmd failed to start (logs above)"

    local deadline=$((SECONDS + UP_TIMEOUT)) state=""
    while ((SECONDS < deadline)); do
        state="$(node_state)"
        case "$state" in
            idle) log "node $host is idle; cluster up in $((SECONDS - start)) s"; return 0 ;;
            down* | *drain*) sq scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true ;;
        esac
        # Both daemons write their pid file right after forking; a missing or stale one means it died.
        if ((SECONDS - start_daemons >= 5)); then
            pid_alive "$KIT_DIR/slurmctld.pid" || fail_up "slurmctld exited (logs above)"
            pid_alive "$KIT_DIR/slurmd.pid" || fail_up "slurmd exited (logs above)"
        fi
        sleep 1
    done
    sq sinfo -N -l >&2 2>&1 || true
    fail_up "the Slurm node did not become idle within ${UP_TIMEOUT} s (last state: '${state:-unknown}'); logs above"
}

stop_pidfile() {
    local name="$1" file="$2" pid i
    [[ -s "$file" ]] || return 0
    pid="$(cat "$file")"
    if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
        log "stopping $name ($pid)"
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            log "$name did not stop; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$file"
}

restore_conf() {
    local f="$1"
    if [[ -f "$f" ]] && grep -qF "$MARKER" "$f"; then rm -f "$f"; fi
    if [[ -f "$f.pre-cxsim" && ! -e "$f" ]]; then mv "$f.pre-cxsim" "$f"; fi
}

# Jobs still running when slurmd stops would leave their slurmstepd behind: cancel them first.
cancel_jobs() {
    pid_alive "$KIT_DIR/slurmctld.pid" && pid_alive "$KIT_DIR/slurmd.pid" || return 0
    [[ -n "$(sq squeue -h -o '%i' 2>/dev/null)" ]] || return 0
    log "cancelling the jobs still in the queue"
    sq scancel --partition=debug >/dev/null 2>&1 || true
    local i
    for ((i = 0; i < 30; i++)); do
        [[ -z "$(sq squeue -h -t running,completing,suspended -o '%i' 2>/dev/null)" ]] && return 0
        sleep 0.5
    done
    log "jobs still running after 15 s; stopping the daemons anyway"
}

stop_daemons() {
    stop_pidfile slurmd "$KIT_DIR/slurmd.pid"
    stop_pidfile slurmctld "$KIT_DIR/slurmctld.pid"
    stop_pidfile munged "$KIT_DIR/munged.pid"
}

cmd_down() {
    cancel_jobs
    stop_daemons
    rm -rf "$KIT_DIR"
    restore_conf "$CONF"
    log "down"
}

cmd_wait() {
    local job="${1:-}" timeout_s="${2:-600}"
    [[ "$job" =~ ^[0-9]+$ ]] || die "usage: $0 wait JOBID [TIMEOUT_S]"
    [[ "$timeout_s" =~ ^[0-9]+$ ]] || die "TIMEOUT_S must be a whole number of seconds"
    local deadline=$((SECONDS + timeout_s)) out
    while :; do
        if out="$(sq squeue -h -j "$job" -o '%i %T' 2>&1)"; then
            [[ -z "$out" ]] && break
        elif [[ "$out" == *"Invalid job id"* ]]; then
            break
        fi
        if ((SECONDS >= deadline)); then
            log "job $job still in the queue after ${timeout_s} s"
            sq squeue >&2 2>&1 || true
            sq scontrol show job "$job" >&2 2>&1 || true
            exit 1
        fi
        sleep 1
    done

    local info
    if ! info="$(sq scontrol -o show job "$job" 2>&1)"; then
        echo "$info" >&2
        die "job $job has left the queue but scontrol no longer knows it; its final state is unknown"
    fi
    local line id state code bad=0 n=0 results=()
    while IFS= read -r line; do
        [[ -n "$line" ]] || continue
        # One line per job, or per task of an array job (shown as ARRAYJOBID_TASKID).
        [[ "$line" =~ ^JobId=([0-9]+) ]] && id="${BASH_REMATCH[1]}" || id="?"
        if [[ "$line" =~ ArrayJobId=([0-9]+)\ ArrayTaskId=([^ ]+) ]]; then
            id="${BASH_REMATCH[1]}_${BASH_REMATCH[2]}"
        fi
        [[ "$line" =~ JobState=([^ ]+) ]] && state="${BASH_REMATCH[1]}" || state=UNKNOWN
        [[ "$line" =~ " ExitCode="([^ ]+) ]] && code="${BASH_REMATCH[1]}" || code="?"
        results+=("$id JobState=$state ExitCode=$code")
        n=$((n + 1))
        [[ "$state" == COMPLETED ]] || bad=$((bad + 1))
    done <<<"$info"
    ((n > 0)) || die "scontrol reported nothing for job $job"
    printf '%s\n' "${results[@]}" | sort -V
    if ((bad)); then
        log "$bad of $n task(s) of job $job did not complete"
        exit 1
    fi
}

cmd_status() {
    sq sinfo -N -l || true
    sq squeue || true
}

case "${1:-}" in
    up) cmd_up ;;
    down) cmd_down ;;
    wait) shift; cmd_wait "$@" ;;
    status) cmd_status ;;
    *) echo "usage: $0 up | down | wait JOBID [TIMEOUT_S] | status" >&2; exit 2 ;;
esac

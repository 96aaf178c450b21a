# shellcheck shell=bash
# shellcheck disable=SC2034,SC2016  # LAB_PY is for pptpd.sh; apt's $(FIELD) format
# tests/lab/uml.sh -- User-Mode-Linux guests for the winvpn lab (sourced by
# pptpd.sh after lib.sh).
#
# Why UML: the servers need kernel PPP, MPPE and GRE, which the host kernel
# may lack; a UML guest brings its own kernel (Debian's user-mode-linux
# package, with modules) and runs as an ordinary process tree: no KVM, no
# disk image, ~2-3 s to boot.
#
# The guest
#   * boots the debootstrapped bookworm tree $LAB_STATE/uml/rootfs read-only
#     over hostfs (built once, shared by all guests and with the lab recipes
#     that use the same layout and stamp), PID 1 = guest/init.sh installed as
#     /sbin/winvpn-lab-init;
#   * mounts its run directory (hostfs) at /mnt/cfg: generated etc/, bin/
#     (guest/*.sh), guest.env, syslog.log, data/, cmd/ (command spool);
#   * reaches the host over a TAP device ($TAP, host $NET.1/24, guest $NET.2);
#   * runs linux.uml with an LD_PRELOAD shim (uml-xstate-preload.c) that
#     fixes UML 6.1 on hosts with AVX-512/AMX (see that file).
#
# The caller sets: UML_NAME (unique, used as umid), RUN (run directory),
# TAP, NET, optional NETNS (host network namespace for the TAP and the UML
# process; created if missing, deleted by uml_stop if we created it).

UML_BIN=/usr/bin/linux.uml
UML_MODULES=/usr/lib/uml/modules
UML_CACHE=$LAB_STATE/uml
UML_ROOTFS=$UML_CACHE/rootfs
UML_SUITE=bookworm
UML_MEM=${LAB_UML_MEM:-256M}
# Guest packages.  Changing the list (or the stamp) forces a root fs rebuild.
UML_ROOTFS_PKGS="ppp,pptpd,pptp-linux,xl2tpd,kmod,iproute2,iputils-ping,procps,netbase,tcpdump,busybox,strongswan-charon,strongswan-starter,libcharon-extra-plugins,libstrongswan-standard-plugins,strongswan-swanctl,dnsmasq-base,radvd,openssl"
UML_ROOTFS_STAMP="v1 $UML_SUITE $UML_ROOTFS_PKGS"
UML_PRELOAD=$UML_CACHE/winvpn-xstate-preload.so
if [ -x /usr/bin/python3 ]; then LAB_PY=/usr/bin/python3; else LAB_PY=python3; fi

# Host packages: UML kernel + modules, python3 (probe.py), gcc (the shim),
# iproute2 (TAP), util-linux (setsid, flock).
uml_prereqs() {
    lab_apt_install user-mode-linux python3 iproute2 util-linux gcc libc6-dev || exit 1
    [ -x "$UML_BIN" ] || lab_die "$UML_BIN missing after installing user-mode-linux"
    [ -c /dev/net/tun ] || lab_die "/dev/net/tun missing (needed for the TAP link)"
    UML_KVER=$("$UML_BIN" --version 2>/dev/null | tail -1)
    [ -d "$UML_MODULES/$UML_KVER" ] || lab_die "no UML modules for '$UML_KVER' under $UML_MODULES"
    uml_build_preload
}

# Compile the xstate shim when it is missing or its source changed.
uml_build_preload() {
    local src=$LAB_DIR/uml-xstate-preload.c sum
    sum=$(sha256sum <"$src" | cut -d' ' -f1)
    mkdir -p "$UML_CACHE"
    [ -f "$UML_PRELOAD" ] && [ "$(cat "$UML_PRELOAD.sum" 2>/dev/null)" = "$sum" ] && return 0
    gcc -shared -fPIC -O2 -Wall -o "$UML_PRELOAD.tmp.$$" "$src" -ldl -lpthread ||
        lab_die "cannot compile $src"
    mv "$UML_PRELOAD.tmp.$$" "$UML_PRELOAD"
    echo "$sum" >"$UML_PRELOAD.sum"
}

# The Debian mirror the host's apt already uses (LAB_UML_MIRROR overrides).
uml_mirror() {
    if [ -n "${LAB_UML_MIRROR:-}" ]; then echo "$LAB_UML_MIRROR"; return; fi
    local m
    m=$(apt-get indextargets --format '$(REPO_URI) $(CODENAME)' 2>/dev/null |
        awk -v s="$UML_SUITE" '$2 == s && $1 !~ /security/ { print $1; exit }')
    [ -n "$m" ] || lab_die "no $UML_SUITE mirror in apt's sources; set LAB_UML_MIRROR"
    echo "$m"
}

# True if any UML guest (ours, or a lab recipe's) runs on the shared root fs.
uml_any_guest_running() {
    local p
    for p in /proc/[0-9]*/cmdline; do
        tr '\0' ' ' 2>/dev/null <"$p" | grep -q "rootflags=$UML_ROOTFS " && return 0
    done
    return 1
}

# Kill processes whose root is inside $1 (daemons started by a postinst in
# the debootstrap chroot would keep the tree busy).
uml_kill_chroot_procs() {
    local p r
    for p in /proc/[0-9]*; do
        r=$(readlink "$p/root" 2>/dev/null) || continue
        case "$r" in "$1" | "$1"/*) kill -9 "${p#/proc/}" 2>/dev/null || true ;; esac
    done
}

# Build the root fs if needed (flock: concurrent starts build it once), and
# install our PID 1 into it.
uml_ensure_rootfs() {
    mkdir -p "$UML_CACHE"
    (
        flock 9
        if [ "$(cat "$UML_ROOTFS/.uml-rootfs-stamp" 2>/dev/null)" != "$UML_ROOTFS_STAMP" ]; then
            local tmp=$UML_ROOTFS.tmp mirror t0
            t0=$(lab_now)
            # never swap the tree under a running guest: it is its root
            uml_any_guest_running && lab_die "the guest root fs must be rebuilt, but a UML guest still uses it; stop it first"
            lab_apt_install debootstrap || exit 1
            mirror=$(uml_mirror)
            lab_log "building the guest root fs in $UML_ROOTFS (debootstrap $UML_SUITE, 0.5-2 min)"
            rm -rf "$tmp"
            if ! debootstrap --variant=minbase --include="$UML_ROOTFS_PKGS" "$UML_SUITE" "$tmp" "$mirror" \
                    >"$UML_CACHE/rootfs.build.log" 2>&1; then
                uml_kill_chroot_procs "$tmp"
                tail -20 "$UML_CACHE/rootfs.build.log" >&2
                lab_die "debootstrap failed (log: $UML_CACHE/rootfs.build.log)"
            fi
            uml_kill_chroot_procs "$tmp"
            mkdir -p "$tmp/lib/modules" "$tmp/mnt/cfg"
            rm -rf "$UML_ROOTFS"
            mv "$tmp" "$UML_ROOTFS"
            echo "$UML_ROOTFS_STAMP" >"$UML_ROOTFS/.uml-rootfs-stamp"
            lab_log "guest root fs ready after $(lab_elapsed "$t0") s"
        fi
        if ! cmp -s "$LAB_DIR/guest/init.sh" "$UML_ROOTFS/sbin/winvpn-lab-init"; then
            install -m 755 "$LAB_DIR/guest/init.sh" "$UML_ROOTFS/sbin/winvpn-lab-init.new"
            mv "$UML_ROOTFS/sbin/winvpn-lab-init.new" "$UML_ROOTFS/sbin/winvpn-lab-init"
        fi
    ) 9>"$UML_CACHE/rootfs.lock" || exit 1
}

# --- one instance ---------------------------------------------------------------
uml_pidfile() { echo "$RUN/uml.pid"; }

uml_pid_alive() {
    local pid
    pid=$(cat "$(uml_pidfile)" 2>/dev/null) || return 1
    [ -n "$pid" ] && grep -q "umid=$UML_NAME" "/proc/$pid/cmdline" 2>/dev/null
}

uml_running() { uml_pid_alive && [ -f "$RUN/ready" ]; }

uml_netns_exists() { ip netns list | awk '{ print $1 }' | grep -qx -- "$1"; }

# Run a command in the instance's host network namespace (if any).
uml_nsexec() { uml_nsx; "${UML_NSX[@]}" "$@"; }
uml_nsx() {
    UML_NSX=()
    if [ -n "${NETNS:-}" ]; then UML_NSX=(ip netns exec "$NETNS"); fi
}

uml_setup_tap() {
    if [ -n "${NETNS:-}" ] && ! uml_netns_exists "$NETNS"; then
        ip netns add "$NETNS"
        ip -n "$NETNS" link set lo up
        touch "$RUN/netns-created"      # stop deletes it again
    fi
    uml_nsexec ip link del "$TAP" 2>/dev/null || true
    # Refuse to shadow someone else's link on the same subnet (e.g. the lab
    # recipe's umlpptp0, which uses the same addresses).
    if uml_nsexec ip -4 -o addr show | awk '{ print $4 }' | grep -q "^${NET//./\\.}\.1/"; then
        lab_die "another interface already has $NET.1 (another lab instance?): $(uml_nsexec ip -4 -o addr show | grep " $NET.1/" | awk '{ print $2 }')"
    fi
    uml_nsexec ip tuntap add dev "$TAP" mode tap
    uml_nsexec ip addr add "$NET.1/24" dev "$TAP"
    uml_nsexec ip link set "$TAP" up
}

# Boot in the background; returns at once.  $RUN must be populated.
uml_boot() {
    local mac
    # shellcheck disable=SC2086  # the three octets of $NET as arguments
    mac=$(printf '02:98:%02x:%02x:%02x:02' ${NET//./ })
    rm -rf "$RUN/ready" "$RUN/cmd" "$RUN/umid"
    mkdir -p "$RUN/cmd" "$RUN/umid"
    uml_setup_tap
    # setsid: the guest is its own process group (pgid == pid), so stop can
    # kill every host process of it (kernel, per-mm stub processes) at once.
    # Kernel parameters the kernel does not know (lab_*) reach PID 1 as
    # environment variables.
    # (a plain command, not a shell function: $! must be linux.uml itself)
    uml_nsx
    "${UML_NSX[@]}" env LD_PRELOAD="$UML_PRELOAD" setsid "$UML_BIN" \
        umid="$UML_NAME" uml_dir="$RUN/umid" mem="$UML_MEM" \
        root=/dev/root rootfstype=hostfs rootflags="$UML_ROOTFS" ro init=/sbin/winvpn-lab-init \
        lab_cfg="$RUN" lab_modules="$UML_MODULES" lab_name="$UML_NAME" \
        "vec0:transport=tap,ifname=$TAP,mac=$mac" \
        con0=null,fd:1 con=null ssl=null printk.time=1 pty.legacy_count=0 \
        </dev/null >"$RUN/console.log" 2>&1 8>&- 9>&- &
    echo $! >"$(uml_pidfile)"
}

# During boot /proc/PID/cmdline reads empty for a moment while the process
# execs (ip netns exec -> env -> setsid -> linux.uml): look twice.
uml_boot_alive() { uml_pid_alive || { sleep 0.2; uml_pid_alive; }; }

uml_fail_boot() {
    echo "--- last lines of $RUN/console.log:" >&2
    tail -25 "$RUN/console.log" >&2 || true
    uml_stop
    lab_die "$*"
}

# uml_wait_ready TIMEOUT_S PROBE...: wait for init's ready marker, then for
# PROBE to succeed; tear the guest down and fail if it dies or times out.
uml_wait_ready() {
    local timeout=$1; shift
    local t0=$SECONDS
    while [ ! -f "$RUN/ready" ]; do
        uml_boot_alive || uml_fail_boot "$UML_NAME died during boot"
        [ $((SECONDS - t0)) -lt "$timeout" ] || uml_fail_boot "$UML_NAME not ready after $timeout s"
        sleep 0.05
    done
    until "$@" >/dev/null 2>&1; do
        uml_boot_alive || uml_fail_boot "$UML_NAME died"
        [ $((SECONDS - t0)) -lt "$timeout" ] || uml_fail_boot "$UML_NAME: no answer after $timeout s from: $*"
        sleep 0.1
    done
}

# Pids of the guest's live host processes: its process group, zombies
# excluded (where PID 1 is a lazy reaper, e.g. a sandbox supervisor, dead
# processes stay <defunct> for a second or two; they hold no resources).
uml_group_pids() {
    local pg=$1
    ps -eo pid=,pgid=,stat= | awk -v g="$pg" '$2 == g && $3 !~ /^Z/ { print $1 }'
}

# Stop: the guest keeps nothing worth a clean shutdown (tmpfs + hostfs,
# whose writes are synchronous), so TERM then KILL the process group.
uml_stop() {
    local pid
    pid=$(cat "$(uml_pidfile)" 2>/dev/null || true)
    if [ -n "$pid" ] && uml_pid_alive; then
        kill -TERM -- "-$pid" 2>/dev/null || true
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            [ -z "$(uml_group_pids "$pid")" ] && break
            sleep 0.1
        done
    fi
    # left-overs of the group, only if it is still ours (pgid == recorded pid
    # and the leader, if alive, carries our umid)
    if [ -n "$pid" ] && [ -n "$(uml_group_pids "$pid")" ]; then
        if ! [ -d "/proc/$pid" ] || grep -q "umid=$UML_NAME" "/proc/$pid/cmdline" 2>/dev/null; then
            kill -KILL -- "-$pid" 2>/dev/null || true
            for _ in 1 2 3 4 5 6 7 8 9 10; do
                [ -z "$(uml_group_pids "$pid")" ] && break
                sleep 0.1
            done
        fi
    fi
    rm -f "$(uml_pidfile)" "$RUN/ready"
    rm -rf "$RUN/umid" "$RUN/cmd"
    if [ -z "${NETNS:-}" ] || uml_netns_exists "$NETNS"; then
        uml_nsexec ip link del "$TAP" 2>/dev/null || true
    fi
    if [ -f "$RUN/netns-created" ] && [ -n "${NETNS:-}" ]; then
        if uml_netns_exists "$NETNS" && [ -z "$(ip netns pids "$NETNS" 2>/dev/null)" ]; then
            ip netns del "$NETNS"
        fi
        rm -f "$RUN/netns-created"
    fi
}

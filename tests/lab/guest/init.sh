#!/bin/sh
# PID 1 of the winvpn lab's UML guests.
#
# tests/lab/uml.sh copies this file into the shared, read-only guest root
# file system as /sbin/winvpn-lab-init.  Everything specific to one guest
# lives in its host-side run directory, which is mounted (hostfs) at
# /mnt/cfg.  The kernel command line passes, as environment variables:
#   lab_cfg      host path of the run directory
#   lab_modules  host path of the UML kernel modules
#   lab_name     guest host name
# Steps: mount the basics, give the guest a private writable /etc, copy
# /mnt/cfg/etc over it, run "/mnt/cfg/bin/ctl.sh boot" (network, syslog,
# services), write /mnt/cfg/ready, then serve the host's command spool
# forever.  PID 1 must never exit (the guest would panic).
# shellcheck disable=SC2154  # lab_* come from the kernel command line
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mountpoint -q /dev || mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o mode=620,ptmxmode=666 devpts /dev/pts
for d in /run /tmp /var/log /var/tmp /dev/shm; do mount -t tmpfs tmpfs "$d"; done
mkdir -p /run/lock
mount -t hostfs -o "$lab_modules" none /lib/modules
mount -t hostfs -o "$lab_cfg" none /mnt/cfg

# The root is shared by every guest and read-only: /etc gets a tmpfs upper
# layer (or a plain copy if overlayfs is unavailable).
mkdir -p /run/etc-up /run/etc-work
if ! { modprobe overlay 2>/dev/null &&
       mount -t overlay -o lowerdir=/etc,upperdir=/run/etc-up,workdir=/run/etc-work overlay /etc; }; then
    cp -a /etc /run/etc-rw && mount --bind /run/etc-rw /etc
fi
[ -d /mnt/cfg/etc ] && cp -a /mnt/cfg/etc/. /etc/
hostname "${lab_name:-lab}"

echo "init: boot, uptime $(cut -d' ' -f1 /proc/uptime) s"
/bin/sh /mnt/cfg/bin/ctl.sh boot
echo ready >/mnt/cfg/ready
echo "init: ready, uptime $(cut -d' ' -f1 /proc/uptime) s"

# Command spool: the host writes cmd/ID.sh (atomically, by rename); we run
# it as ID.run with output in ID.out and the exit status in ID.rc (renamed
# into place last, so the host never reads a half-written status).
mkdir -p /mnt/cfg/cmd
while :; do
    for c in /mnt/cfg/cmd/*.sh; do
        [ -f "$c" ] || continue
        b=${c%.sh}
        mv "$c" "$b.run" || continue
        ( /bin/sh "$b.run" >"$b.out" 2>&1 </dev/null; echo $? >"$b.rc.tmp"; mv "$b.rc.tmp" "$b.rc" ) &
    done
    # "wait" in dash also reaps orphans re-parented to PID 1
    sleep 0.1 & wait $!
done

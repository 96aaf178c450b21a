#!/bin/bash
# tests/lab/xl2tpd.sh start|stop|status|exec CMD|selftest|restart
#
# A real xl2tpd 1.3.18 (L2TP LNS, RFC 2661) + pppd 2.4.9 server for the
# integration tests, inside a User-Mode-Linux guest (see uml.sh), reachable
# over a TAP link; no IPsec:
#     host 10.98.1.1/24 dev wvlab-l2tp0  <->  guest 10.98.1.2, xl2tpd on UDP 1701
# PPP: server 192.168.41.1, pool 192.168.41.10-20, ms-dns 192.168.41.1,
# ms-wins 192.168.41.2.  Accounts: alice / secret123 and WINVPN\bob /
# bobsecret456 (chap-secrets and pap-secrets).  Data services in the guest:
# TCP 5001 sink, 5002 source, 5003 echo (see lib.sh; call lab_use_xl2tpd).
# It runs next to the pptpd guest (pptpd.sh): another name, TAP and subnets.
#
#   start     install what is missing, boot the guest, wait for an L2TP SCCRP.
#             Idempotent: a healthy guest with the same settings is left alone;
#             different PPP/L2TP settings restart xl2tpd inside the running
#             guest (~0.5 s); different network settings reboot it.
#   stop      kill the guest, delete its TAP (and a namespace it created)
#   restart   stop + start
#   status    exit 0 if running and answering; prints the settings
#   exec CMD  run CMD (sh) as root in the guest, print its output, return its status
#   selftest  host probes (SCCRQ; a whole call up to the server pppd's LCP),
#             then inside the guest dial xl2tpd with a second xl2tpd (LAC) +
#             pppd for every auth mode (plus a domain account, MPPE, tunnel
#             authentication and the userspace data path), ping and move data
#             through the tunnel; a wrong password; kill-pppd; timings.
#
# Knobs (environment, read by start):
#   XL2TPD_AUTH    mschapv2 (default) | mschap | chap | pap
#   XL2TPD_MPPE    none (default: "noccp", as Linux L2TP/IPsec servers for
#                  Windows are set up) | optional (pppd's default: MPPE if the
#                  client asks) | require128 (require-mppe-128; MS-CHAP only)
#   XL2TPD_SECRET  tunnel secret: xl2tpd challenges (RFC 2661 §5.1.1,
#                  "challenge = yes") and may hide AVPs; empty (default): none
#   XL2TPD_LENGTH_BIT yes (default) | no: xl2tpd's "length bit" on data
#   XL2TPD_DHCP  dnsmasq dhcp-option values answering DHCPINFORM on the PPP
#               interfaces, ";"-separated (as PPTPD_DHCP); empty (default): none
#   XL2TPD_PPP_OPTS  extra server pppd option lines, ";"-separated
#                  ("lcp-echo-interval 2;lcp-echo-failure 2")
#   XL2TPD_DEBUG   1 (default: xl2tpd logs tunnel, state and every AVP) | 0
#   XL2TPD_KERNEL  yes (default: the guest kernel's L2TP data path, l2tp_ppp +
#                  pppol2tp, like a stock Debian server) | no (xl2tpd's
#                  userspace pty data path); changing it reboots the guest
#   XL2TPD_NET (10.98.1)  XL2TPD_TAP (wvlab-l2tp0)  XL2TPD_NETNS (host network
#                  namespace for the TAP and the guest; created if missing)
#   XL2TPD_IPSEC   no (default: plain L2TP) | yes: L2TP/IPsec -- strongSwan's
#                  charon in the guest (IKEv1 Main Mode, PSK, Quick Mode for an
#                  ESP transport-mode SA protecting UDP/1701, the guest kernel's
#                  XFRM/ESP; raw ESP, or ESP in UDP 4500 behind NAT) and xfrm
#                  policies that drop unprotected UDP/1701 both ways; charon
#                  logs to $WINVPN_LAB_STATE/lab/xl2tpd/charon.log.  Changing it
#                  reboots the guest.
#   XL2TPD_IPSEC_PSK  vpnpsk123 (default)
#   XL2TPD_IPSEC_FORCEENCAPS  no (default) | yes: charon claims NAT (strongSwan's
#                  encap = yes), so ESP goes in UDP 4500 without a NAT
#   XL2TPD_IPSEC_LIFETIME  empty (default: charon never expires the CHILD_SA) |
#                  seconds: the CHILD_SA's life_time (hard expiry; with
#                  XL2TPD_IPSEC_REKEY=yes charon rekeys at 80 % of it)
#   XL2TPD_IPSEC_IKE_LIFETIME  empty (default: no expiry) | seconds: the IKE_SA's
#                  reauth_time (IKEv1: charon's phase-1 lifetime)
#   XL2TPD_IPSEC_REKEY  no (default: the client must rekey) | yes: charon
#                  rekeys the CHILD_SA itself (its own Quick Mode)
#   XL2TPD_IPSEC_AUTH  psk (default) | cert: Main Mode with RSA signatures;
#                  XL2TPD_IPSEC_CERTDIR holds ca.pem (the clients' CA), gw.pem
#                  (the gateway's certificate) and gw.key (its key, PEM)
#   LAB_UML_MEM (256M)  LAB_UML_MIRROR  WINVPN_LAB_STATE (/var/tmp/winvpn-lab)
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
. "$LAB_DIR/uml.sh"

UML_NAME=winvpn-xl2tpd
RUN=$LAB_XL2TPD_RUN
lab_use_xl2tpd          # lab_guest_exec, lab_server_*, LAB_PPP_* -> this guest
mkdir -p "$RUN"

# A running instance keeps the network settings it was started with.
load_instance() {
    if [ -f "$RUN/instance.env" ]; then
        # shellcheck disable=SC1091
        . "$RUN/instance.env"       # TAP NET NETNS of the running guest
    else
        TAP=$LAB_XL2TPD_TAP NET=$LAB_XL2TPD_NET NETNS=${XL2TPD_NETNS:-}
    fi
    # (instance.env of a guest booted before IPsec existed has no IPSEC)
    IPSEC=${IPSEC:-no}
    GUEST_IP=$NET.2
}
load_instance

# cmd_start with its output indented, in this shell (not a pipeline's
# subshell): a reboot changes TAP/NET/NETNS, which later steps need.
start_indented() {
    local out=$RUN/start.out
    cmd_start >"$out" || { sed 's/^/  /' "$out"; return 1; }
    sed 's/^/  /' "$out"
}

# --- settings ---------------------------------------------------------------------
want_settings() {
    AUTH=${XL2TPD_AUTH:-mschapv2}
    MPPE=${XL2TPD_MPPE:-none}
    case "$AUTH" in
        mschapv2 | mschap | chap | pap) ;;
        *) lab_die "XL2TPD_AUTH must be mschapv2, mschap, chap or pap (got '$AUTH')" ;;
    esac
    case "$MPPE" in
        none | optional) ;;
        require128)
            case "$AUTH" in mschap*) ;; *) lab_die "XL2TPD_MPPE=require128 needs XL2TPD_AUTH=mschapv2 or mschap (MPPE keys come from MS-CHAP)" ;; esac ;;
        *) lab_die "XL2TPD_MPPE must be none, optional or require128 (got '$MPPE')" ;;
    esac
    SECRET=${XL2TPD_SECRET:-}
    LENGTH_BIT=${XL2TPD_LENGTH_BIT:-yes}
    case "$LENGTH_BIT" in yes | no) ;; *) lab_die "XL2TPD_LENGTH_BIT must be yes or no (got '$LENGTH_BIT')" ;; esac
    PPP_OPTS=${XL2TPD_PPP_OPTS:-}
    DEBUG=${XL2TPD_DEBUG:-1}
    case "$DEBUG" in 0 | 1) ;; *) lab_die "XL2TPD_DEBUG must be 0 or 1 (got '$DEBUG')" ;; esac
    KERNEL=${XL2TPD_KERNEL:-yes}
    case "$KERNEL" in yes | no) ;; *) lab_die "XL2TPD_KERNEL must be yes or no (got '$KERNEL')" ;; esac
    WANT_IPSEC=${XL2TPD_IPSEC:-no}
    case "$WANT_IPSEC" in yes | no) ;; *) lab_die "XL2TPD_IPSEC must be yes or no (got '$WANT_IPSEC')" ;; esac
    IPSEC_PSK=${XL2TPD_IPSEC_PSK:-vpnpsk123}
    FORCEENCAPS=${XL2TPD_IPSEC_FORCEENCAPS:-no}
    case "$FORCEENCAPS" in yes | no) ;; *) lab_die "XL2TPD_IPSEC_FORCEENCAPS must be yes or no (got '$FORCEENCAPS')" ;; esac
    IPSEC_LIFETIME=${XL2TPD_IPSEC_LIFETIME:-}
    IPSEC_IKE_LIFETIME=${XL2TPD_IPSEC_IKE_LIFETIME:-}
    IPSEC_REKEY=${XL2TPD_IPSEC_REKEY:-no}
    case "$IPSEC_LIFETIME$IPSEC_IKE_LIFETIME" in *[!0-9]*) lab_die "XL2TPD_IPSEC_LIFETIME and XL2TPD_IPSEC_IKE_LIFETIME are seconds (got '$IPSEC_LIFETIME' '$IPSEC_IKE_LIFETIME')" ;; esac
    case "$IPSEC_REKEY" in yes | no) ;; *) lab_die "XL2TPD_IPSEC_REKEY must be yes or no (got '$IPSEC_REKEY')" ;; esac
    IPSEC_AUTH=${XL2TPD_IPSEC_AUTH:-psk}
    IPSEC_CERTDIR=${XL2TPD_IPSEC_CERTDIR:-}
    case "$IPSEC_AUTH" in psk | cert) ;; *) lab_die "XL2TPD_IPSEC_AUTH must be psk or cert (got '$IPSEC_AUTH')" ;; esac
    if [ "$IPSEC_AUTH" = cert ]; then
        for f in ca.pem gw.pem gw.key; do
            [ -r "$IPSEC_CERTDIR/$f" ] || lab_die "XL2TPD_IPSEC_AUTH=cert needs $f in XL2TPD_IPSEC_CERTDIR (got '$IPSEC_CERTDIR')"
        done
    fi
    WANT_NET="tap=$LAB_XL2TPD_TAP net=$LAB_XL2TPD_NET netns=${XL2TPD_NETNS:-} mem=$UML_MEM kernel=$KERNEL"
    # (plain guests keep the settings string they always had)
    [ "$WANT_IPSEC" = no ] || WANT_NET="$WANT_NET ipsec=yes"
    # (the secret itself is not shown; a hash of it tells settings apart)
    WANT_PPP="auth=$AUTH mppe=$MPPE secret=$([ -n "$SECRET" ] && printf '%s' "$SECRET" | sha256sum | cut -c1-8 || echo none) length-bit=$LENGTH_BIT debug=$DEBUG opts=$PPP_OPTS"
    DHCP=${XL2TPD_DHCP:-}    # as PPTPD_DHCP (tests/lab/pptpd.sh)
    [ -z "$DHCP" ] || WANT_PPP="$WANT_PPP dhcp=$DHCP"
    # (conf=N: bump when write_ipsec_config changes, so running guests pick it up)
    [ "$WANT_IPSEC" = no ] || WANT_PPP="$WANT_PPP conf=3 psk=$(printf '%s' "$IPSEC_PSK" | sha256sum | cut -c1-8) forceencaps=$FORCEENCAPS"
    # (only when set: guests started without them keep their settings string)
    if [ "$WANT_IPSEC" = yes ] && [ -n "$IPSEC_LIFETIME$IPSEC_IKE_LIFETIME" -o "$IPSEC_REKEY" = yes ]; then
        WANT_PPP="$WANT_PPP life=$IPSEC_LIFETIME ikelife=$IPSEC_IKE_LIFETIME rekey=$IPSEC_REKEY"
    fi
    if [ "$WANT_IPSEC" = yes ] && [ "$IPSEC_AUTH" = cert ]; then
        WANT_PPP="$WANT_PPP auth=cert certs=$(cat "$IPSEC_CERTDIR/ca.pem" "$IPSEC_CERTDIR/gw.pem" | sha256sum | cut -c1-8)"
    fi
}

# swanctl.conf's local/remote sections: a pre-shared key or certificates
ipsec_auth_sections() {
    if [ "$IPSEC_AUTH" = cert ]; then
        printf '        local {\n            auth = pubkey\n            certs = winvpn-lab-gw.pem\n        }\n'
        printf '        remote {\n            auth = pubkey\n        }\n'
    else
        printf '        local {\n            auth = psk\n        }\n'
        printf '        remote {\n            auth = psk\n        }\n'
    fi
}

# the certificates of XL2TPD_IPSEC_AUTH=cert into the guest's /etc/swanctl
ipsec_copy_certs() {
    [ "$IPSEC_AUTH" = cert ] || return 0
    mkdir -p "$RUN/etc/swanctl/x509ca" "$RUN/etc/swanctl/x509" "$RUN/etc/swanctl/private"
    cp "$IPSEC_CERTDIR/ca.pem" "$RUN/etc/swanctl/x509ca/winvpn-lab-ca.pem"
    cp "$IPSEC_CERTDIR/gw.pem" "$RUN/etc/swanctl/x509/winvpn-lab-gw.pem"
    cp "$IPSEC_CERTDIR/gw.key" "$RUN/etc/swanctl/private/winvpn-lab-gw.key"
    chmod 600 "$RUN/etc/swanctl/private/winvpn-lab-gw.key"
}

# the CHILD_SA's lifetimes (XL2TPD_IPSEC_LIFETIME, XL2TPD_IPSEC_REKEY)
ipsec_child_lifetimes() {
    if [ -z "$IPSEC_LIFETIME" ]; then
        echo "                rekey_time = 0"
    elif [ "$IPSEC_REKEY" = yes ]; then
        echo "                rekey_time = $((IPSEC_LIFETIME * 8 / 10))s"
        echo "                life_time = ${IPSEC_LIFETIME}s"
        echo "                rand_time = 0"
    else
        echo "                rekey_time = 0"
        echo "                life_time = ${IPSEC_LIFETIME}s"
    fi
}

# strongSwan for XL2TPD_IPSEC=yes: the Windows L2TP/IPsec server profile
# (transport mode for UDP/1701, any client port, NAT-T).
write_ipsec_config() {
    rm -rf "$RUN/etc/swanctl" "$RUN/etc/strongswan.d"
    [ "$IPSEC" = yes ] || return 0
    mkdir -p "$RUN/etc/swanctl" "$RUN/etc/strongswan.d"
    cat >"$RUN/etc/swanctl/swanctl.conf" <<EOF
# generated by tests/lab/xl2tpd.sh: $WANT_PPP
connections {
    l2tp {
        version = 1
        proposals = aes256-sha1-modp2048,aes128-sha1-modp2048,aes256-sha1-modp1024,aes128-sha1-modp1024,3des-sha1-modp1024,3des-sha1-modp2048,aes256-sha256-modp2048,aes128-sha256-modp2048
        encap = $FORCEENCAPS
        dpd_delay = 30s
        rekey_time = 0
        reauth_time = ${IPSEC_IKE_LIFETIME:-0}${IPSEC_IKE_LIFETIME:+s}
$(ipsec_auth_sections)
        children {
            l2tp {
                mode = transport
                local_ts = dynamic[udp/1701]
                remote_ts = dynamic[udp]
                esp_proposals = aes256-sha1,aes128-sha1,3des-sha1,aes256-sha256,aes128-sha256,aes128gcm16,aes256gcm16,aes256-sha1-modp2048
$(ipsec_child_lifetimes)
                dpd_action = clear
            }
        }
    }
}
secrets {
    ike-l2tp {
        secret = "$IPSEC_PSK"
    }
}
EOF
    chmod 600 "$RUN/etc/swanctl/swanctl.conf"
    ipsec_copy_certs
    # charon's log on hostfs, for the tests (IKE, CHILD_SA, Deletes, NAT);
    # no forecast plugin (it joins multicast groups: IGMP on the lab link)
    cat >"$RUN/etc/strongswan.d/winvpn-lab.conf" <<'EOF'
charon {
    plugins {
        forecast {
            load = no
        }
    }
    filelog {
        lab {
            path = /mnt/cfg/charon.log
            time_format = %T
            append = yes
            flush_line = yes
            default = 1
            ike = 2
            cfg = 1
            knl = 1
            net = 1
        }
    }
    syslog {
        daemon {
            default = -1
        }
    }
}
EOF
}

# Server configuration in $RUN/etc (copied over the guest's /etc at boot and
# on restart).
write_config() {
    local auth mppe yn
    case "$AUTH" in
        mschapv2) auth="refuse-pap refuse-chap refuse-mschap require-mschap-v2" ;;
        mschap) auth="refuse-pap refuse-chap refuse-mschap-v2 require-mschap" ;;
        chap) auth="refuse-pap refuse-mschap refuse-mschap-v2 require-chap" ;;
        pap) auth="refuse-chap refuse-mschap refuse-mschap-v2 require-pap" ;;
    esac
    case "$MPPE" in
        none) mppe="noccp" ;;
        optional) mppe="" ;;
        require128) mppe="require-mppe-128" ;;
    esac
    mkdir -p "$RUN/etc/ppp" "$RUN/etc/xl2tpd" "$RUN/etc/modprobe.d"
    [ "$DEBUG" = 1 ] && yn=yes || yn=no
    {
        echo "; generated by tests/lab/xl2tpd.sh: $WANT_PPP"
        echo "[global]"
        echo "port = 1701"
        echo "debug tunnel = $yn"
        echo "debug state = $yn"
        echo "debug avp = $yn"
        [ -z "$SECRET" ] || echo "auth file = /etc/xl2tpd/l2tp-secrets"
        echo
        echo "[lns default]"
        echo "ip range = 192.168.41.10-192.168.41.20"
        echo "local ip = $LAB_PPP_SERVER_IP"
        # PPP authentication is pppd's business (options.xl2tpd); "require
        # authentication" only adds pppd's "auth".
        echo "require authentication = yes"
        echo "name = l2tpd"
        echo "ppp debug = yes"
        echo "pppoptfile = /etc/ppp/options.xl2tpd"
        echo "length bit = $LENGTH_BIT"
        [ -z "$SECRET" ] || echo "challenge = yes"
    } >"$RUN/etc/xl2tpd/xl2tpd.conf"
    if [ -n "$SECRET" ]; then
        printf '# them us secret\n* * %s\n' "$SECRET" >"$RUN/etc/xl2tpd/l2tp-secrets"
        chmod 600 "$RUN/etc/xl2tpd/l2tp-secrets"
    else
        rm -f "$RUN/etc/xl2tpd/l2tp-secrets"
    fi
    {
        echo "# generated by tests/lab/xl2tpd.sh: $WANT_PPP"
        echo "name l2tpd"
        # shellcheck disable=SC2086  # one option per word
        printf '%s\n' $auth $mppe
        cat <<EOF
ms-dns $LAB_PPP_DNS
ms-wins $LAB_PPP_WINS
nodefaultroute
nobsdcomp
nodeflate
novj
novjccomp
mtu 1400
mru 1400
lcp-echo-interval 30
lcp-echo-failure 4
debug
EOF
        [ -z "$PPP_OPTS" ] || tr ';' '\n' <<<"$PPP_OPTS"
    } >"$RUN/etc/ppp/options.xl2tpd"
    # pppd parses backslash escapes in secrets files: WINVPN\\bob = WINVPN\bob
    local secrets
    secrets=$(printf '# client\tserver\tsecret\tIP addresses\n%s\t*\t%s\t*\n"%s"\t*\t%s\t*\n' \
        "$LAB_USER" "$LAB_PASS" "${LAB_DOMAIN_USER//\\/\\\\}" "$LAB_DOMAIN_PASS")
    printf '%s\n' "$secrets" >"$RUN/etc/ppp/chap-secrets"
    printf '%s\n' "$secrets" >"$RUN/etc/ppp/pap-secrets"
    chmod 600 "$RUN/etc/ppp/chap-secrets" "$RUN/etc/ppp/pap-secrets"
    write_ipsec_config
    # The userspace data path: forbid the kernel's (read at boot only).
    if [ "$KERNEL" = no ]; then
        printf 'install l2tp_ppp /bin/false\n' >"$RUN/etc/modprobe.d/winvpn-no-kernel-l2tp.conf"
    else
        rm -f "$RUN/etc/modprobe.d/winvpn-no-kernel-l2tp.conf"
    fi
    lab_write_dhcp "$RUN" "$LAB_XL2TPD_PPP_SERVER_IP" "$DHCP"
}

# Everything else the guest reads from /mnt/cfg: the shared guest scripts
# (ctl.sh serves both guests: SERVER=xl2tpd), the L2TP client.
install_guest_bin() {
    mkdir -p "$RUN/bin"
    install -m 755 "$LAB_DIR"/guest/ctl.sh "$LAB_DIR"/guest/sink.sh \
        "$LAB_DIR"/guest/source.sh "$LAB_DIR"/guest/l2tp-client.sh "$RUN/bin/"
}

write_guest_files() {
    rm -rf "${RUN:?}/etc" "${RUN:?}/bin" "${RUN:?}/data"
    mkdir -p "$RUN/data"
    install_guest_bin
    cat >"$RUN/guest.env" <<EOF
SERVER=xl2tpd
IPSEC=$IPSEC
GUEST_IP=$GUEST_IP
SINK_PORT=$LAB_SINK_PORT
SOURCE_PORT=$LAB_SOURCE_PORT
ECHO_PORT=$LAB_ECHO_PORT
EOF
    : >"$RUN/data/sink.log"
    : >"$RUN/data/source.log"
    : >"$RUN/charon.log"
    write_config
}

# Readiness: an L2TP SCCRQ from the host is answered (SCCRP); with IPsec,
# where plaintext L2TP is dropped, charon has the connection loaded and xl2tpd
# listens (checked inside the guest).
probe() {
    if [ "$IPSEC" = yes ]; then
        lab_guest_exec -t 10 "sh /mnt/cfg/bin/ctl.sh ipsec-status"
    else
        uml_nsexec "$LAB_PY" "$LAB_DIR/l2tp-probe.py" l2tp "$GUEST_IP"
    fi
}

# --- commands -----------------------------------------------------------------------
cmd_start() {
    local t0
    t0=$(lab_now)
    want_settings
    if uml_running && [ "$(cat "$RUN/settings.net" 2>/dev/null)" = "$WANT_NET" ] && probe >/dev/null 2>&1; then
        install_guest_bin       # scripts edited since the boot take effect now
        if [ "$(cat "$RUN/settings.ppp" 2>/dev/null)" = "$WANT_PPP" ]; then
            echo "xl2tpd already running at $GUEST_IP:1701 ($WANT_PPP)"
            return 0
        fi
        lab_log "reconfiguring xl2tpd: $WANT_PPP"
        write_config
        rm -f "$RUN/settings.ppp"
        lab_guest_exec -t 20 "sh /mnt/cfg/bin/ctl.sh restart" ||
            lab_die "xl2tpd restart inside the guest failed"
        lab_wait_until 20 probe >/dev/null 2>&1 || lab_die "xl2tpd did not answer after the restart"
        echo "$WANT_PPP" >"$RUN/settings.ppp"
        echo "xl2tpd reconfigured in $(lab_elapsed "$t0") s: $GUEST_IP:1701 ($WANT_PPP)"
        return 0
    fi
    cmd_stop >/dev/null
    TAP=$LAB_XL2TPD_TAP NET=$LAB_XL2TPD_NET NETNS=${XL2TPD_NETNS:-} IPSEC=$WANT_IPSEC
    GUEST_IP=$NET.2
    uml_prereqs
    uml_ensure_rootfs
    local tb
    tb=$(lab_now)
    write_guest_files
    printf 'TAP=%q NET=%q NETNS=%q IPSEC=%q\n' "$TAP" "$NET" "$NETNS" "$IPSEC" >"$RUN/instance.env"
    rm -f "$RUN/settings.net" "$RUN/settings.ppp"
    uml_boot
    uml_wait_ready 60 probe
    echo "$WANT_NET" >"$RUN/settings.net"
    echo "$WANT_PPP" >"$RUN/settings.ppp"
    if [ "$IPSEC" = yes ]; then
        echo "xl2tpd + strongSwan up in $(lab_elapsed "$t0") s (boot to ready $(lab_elapsed "$tb") s): $GUEST_IP UDP 500/4500 (IKEv1, PSK $IPSEC_PSK, ESP transport mode for UDP/1701, forceencaps=$FORCEENCAPS; plaintext L2TP dropped), host $NET.1/24 dev $TAP${NETNS:+ in netns $NETNS}"
    else
        echo "xl2tpd up in $(lab_elapsed "$t0") s (boot to SCCRP $(lab_elapsed "$tb") s): $GUEST_IP:1701/udp, host $NET.1/24 dev $TAP${NETNS:+ in netns $NETNS} (no IPsec)"
    fi
    echo "  $WANT_PPP; users $LAB_USER/$LAB_PASS, $LAB_DOMAIN_USER/$LAB_DOMAIN_PASS; PPP server $LAB_PPP_SERVER_IP pool $LAB_PPP_POOL"
    echo "  logs: $RUN/syslog.log (server), $RUN/console.log (guest kernel)$([ "$IPSEC" = no ] || echo ", $RUN/charon.log (IKE)")"
}

cmd_stop() {
    uml_stop
    rm -f "$RUN/instance.env" "$RUN/settings.net" "$RUN/settings.ppp"
    echo "xl2tpd stopped"
}

cmd_status() {
    if uml_running && probe; then
        echo "running: pid $(cat "$(uml_pidfile)"), host $NET.1 dev $TAP${NETNS:+ (netns $NETNS)}, ipsec=$IPSEC, $(cat "$RUN/settings.ppp" 2>/dev/null)"
    else
        echo "xl2tpd not running"
        return 1
    fi
}

# One dial of the in-guest reference client, with ping, 1 MiB each way and
# an echo through the tunnel; prints a result line.
# usage: selftest_dial LABEL USER PASS CLIENT_PPPD_OPTIONS...
selftest_dial() {
    local label=$1 user=$2 pass=$3 out rc=0 t0 up ping_ms sink src
    shift 3
    t0=$(lab_now)
    out=$(lab_guest_exec -t 40 "L2TP_CLIENT_SECRET='${CLIENT_SECRET:-}' sh /mnt/cfg/bin/l2tp-client.sh up 1 '$user' '$pass' usepeerdns $*") || rc=$?
    if [ "$rc" != 0 ]; then
        echo "$out" | sed 's/^/    /'
        printf '  %-30s FAIL: no PPP link\n' "$label"
        return 1
    fi
    up=$(echo "$out" | awk '/^up / { print $6 }')
    echo "$out" | sed -n 's/^  /    client: /p'
    out=$(lab_guest_exec -t 20 "ip netns exec cli1 ping -c 3 -i 0.2 -W 2 $LAB_PPP_SERVER_IP") || rc=$?
    ping_ms=$(echo "$out" | awk -F/ '/^rtt/ { print $5 }')
    echo "$out" | grep -q ' 0 received' && rc=1
    read -r _ src < <(lab_source_prepare 1048576)
    local m
    m=$(lab_sink_mark)
    out=$(lab_guest_exec -t 60 "
        head -c 1048576 /dev/urandom >/tmp/up.bin
        echo up \$(sha256sum </tmp/up.bin | cut -d' ' -f1)
        ip netns exec cli1 bash -c 'exec 3<>/dev/tcp/$LAB_PPP_SERVER_IP/$LAB_SINK_PORT && cat /tmp/up.bin >&3'
        echo down \$(ip netns exec cli1 bash -c 'cat </dev/tcp/$LAB_PPP_SERVER_IP/$LAB_SOURCE_PORT' | sha256sum | cut -d' ' -f1)
        echo echo \$(ip netns exec cli1 bash -c 'exec 3<>/dev/tcp/$LAB_PPP_SERVER_IP/$LAB_ECHO_PORT && echo lab-echo >&3 && head -1 <&3')") || rc=$?
    sink=$(lab_sink_wait "$m" 20 | awk '{ print $2 }') || rc=1
    [ -n "$sink" ] && [ "$(echo "$out" | awk '/^up / { print $2 }')" = "$sink" ] ||
        { echo "    sink: sha mismatch ($out / $sink)"; rc=1; }
    [ "$(echo "$out" | awk '/^down / { print $2 }')" = "$src" ] || { echo "    source: sha mismatch ($out)"; rc=1; }
    echo "$out" | grep -q '^echo lab-echo$' || { echo "    echo: no echo"; rc=1; }
    lab_guest_exec -t 20 "sh /mnt/cfg/bin/l2tp-client.sh down 1" >/dev/null || true
    if [ "$rc" = 0 ]; then
        printf '  %-30s ok: PPP up %s s, ping avg %s ms, 1 MiB up+down sha256 ok, total %s s\n' \
            "$label" "$up" "${ping_ms:-?}" "$(lab_elapsed "$t0")"
    else
        printf '  %-30s FAIL\n' "$label"
    fi
    return "$rc"
}

# What the server logged since MARK: tunnel and call, auth, CCP.
selftest_server_saw() {
    lab_server_log_since "$1" | sed -n \
        -e 's/.*xl2tpd\[[0-9]*\]: \(Connection established to .*\)$/\1/p' \
        -e 's/.*xl2tpd\[[0-9]*\]: \(Call established with .*\)$/\1/p' \
        -e 's/.*pppd\[[0-9]*\]: \(Using interface ppp.*\)$/\1/p' \
        -e 's/.*pppd\[[0-9]*\]: rcvd \[LCP ConfAck.*\(<auth [^>]*>\).*/\1 acked by the client/p' \
        -e 's/.*pppd\[[0-9]*\]: \(peer from calling number .* authorized\)$/\1/p' \
        -e 's/.*pppd\[[0-9]*\]: \(PAP peer authentication .*\)$/\1/p' \
        -e 's/.*pppd\[[0-9]*\]: \(Peer .* failed .*\)$/\1/p' \
        -e 's/.*pppd\[[0-9]*\]: \(MPPE .* enabled\)$/\1/p' |
        sort -u | sed 's/^/    server: /'
}

selftest_no_session() { [ -z "$(lab_server_sessions 2>/dev/null)" ]; }

cmd_selftest() {
    local fail=0 t0 ts mark c1 c2 mode
    t0=$(lab_now)
    local cli_v2="refuse-pap refuse-eap refuse-chap refuse-mschap"
    local cli_v1="refuse-pap refuse-eap refuse-chap refuse-mschap-v2"
    local cli_chap="refuse-pap refuse-eap refuse-mschap refuse-mschap-v2"
    local cli_pap="refuse-eap refuse-chap refuse-mschap refuse-mschap-v2"
    unset XL2TPD_AUTH XL2TPD_MPPE XL2TPD_SECRET XL2TPD_PPP_OPTS XL2TPD_LENGTH_BIT
    # (the in-guest client speaks plain L2TP, which IPsec mode drops)
    unset XL2TPD_IPSEC XL2TPD_IPSEC_PSK XL2TPD_IPSEC_FORCEENCAPS XL2TPD_IPSEC_LIFETIME XL2TPD_IPSEC_IKE_LIFETIME XL2TPD_IPSEC_REKEY XL2TPD_IPSEC_AUTH XL2TPD_IPSEC_CERTDIR
    echo "selftest: start (cold, or reconfigure)"
    ts=$(lab_now)
    start_indented
    echo "  start took $(lab_elapsed "$ts") s"
    echo "selftest: host-side probes"
    uml_nsexec "$LAB_PY" "$LAB_DIR/l2tp-probe.py" l2tp "$GUEST_IP" | sed 's/^/  /' || fail=1
    uml_nsexec "$LAB_PY" "$LAB_DIR/l2tp-probe.py" l2tp-call "$GUEST_IP" | sed 's/^/  /' || fail=1
    for mode in mschapv2 mschapv2-domain mschap chap pap mschapv2-mppe128 tunnel-secret length-bit-off; do
        unset XL2TPD_AUTH XL2TPD_MPPE XL2TPD_SECRET XL2TPD_LENGTH_BIT
        CLIENT_SECRET=
        case "$mode" in
            mschapv2 | mschapv2-domain) c1="$cli_v2 noccp" ;;
            mschap) export XL2TPD_AUTH=mschap; c1="$cli_v1 noccp" ;;
            chap) export XL2TPD_AUTH=chap; c1="$cli_chap noccp" ;;
            pap) export XL2TPD_AUTH=pap; c1="$cli_pap noccp" ;;
            mschapv2-mppe128) export XL2TPD_MPPE=require128; c1="$cli_v2 require-mppe-128" ;;
            tunnel-secret) export XL2TPD_SECRET=lab-tunnel-secret; CLIENT_SECRET=$XL2TPD_SECRET; c1="$cli_v2 noccp" ;;
            length-bit-off) export XL2TPD_LENGTH_BIT=no; c1="$cli_v2 noccp" ;;
        esac
        echo "selftest: $mode (server XL2TPD_AUTH=${XL2TPD_AUTH:-mschapv2} XL2TPD_MPPE=${XL2TPD_MPPE:-none}${XL2TPD_SECRET:+ XL2TPD_SECRET=...}${XL2TPD_LENGTH_BIT:+ XL2TPD_LENGTH_BIT=$XL2TPD_LENGTH_BIT})"
        ts=$(lab_now)
        start_indented
        echo "  (start/reconfigure took $(lab_elapsed "$ts") s)"
        mark=$(lab_server_log_mark)
        if [ "$mode" = mschapv2-domain ]; then
            selftest_dial "$mode" "$LAB_DOMAIN_USER" "$LAB_DOMAIN_PASS" "$c1" || fail=1
        else
            selftest_dial "$mode" "$LAB_USER" "$LAB_PASS" "$c1" || fail=1
        fi
        selftest_server_saw "$mark"
        if [ "$mode" = tunnel-secret ] && ! lab_server_log_since "$mark" | grep -qi 'challenge'; then
            echo "    (the server log does not mention the challenge)"
        fi
    done
    unset XL2TPD_AUTH XL2TPD_MPPE XL2TPD_SECRET XL2TPD_LENGTH_BIT
    CLIENT_SECRET=
    cmd_start >/dev/null
    echo "selftest: wrong password (mschapv2)"
    mark=$(lab_server_log_mark)
    if lab_guest_exec -t 40 "sh /mnt/cfg/bin/l2tp-client.sh up 1 $LAB_USER wrong-password $cli_v2 noccp" >/dev/null; then
        echo "  FAIL: dial with a wrong password succeeded"; fail=1
    elif c2=$(lab_server_log_wait "$mark" 'Peer .* failed CHAP|authentication failed' 5); then
        echo "  ok: refused; server log: ${c2#*: }"
    else
        echo "  FAIL: refused, but nothing in the server log"; fail=1
    fi
    lab_guest_exec "sh /mnt/cfg/bin/l2tp-client.sh down 1" >/dev/null || true
    echo "selftest: lab_server_kill_pppd under a live session"
    lab_guest_exec -t 40 "sh /mnt/cfg/bin/l2tp-client.sh up 1 $LAB_USER $LAB_PASS $cli_v2 noccp" >/dev/null || fail=1
    c2=$(lab_server_sessions) && echo "  sessions: $c2"
    mark=$(lab_server_log_mark)
    if lab_server_kill_pppd KILL >/dev/null && lab_wait_until 10 selftest_no_session; then
        echo "  ok: server pppd killed, session gone"
        c2=$(lab_server_log_wait "$mark" 'xl2tpd.*(pppd.*exited|Disconnect|call_close|Call)' 5) &&
            echo "  server: ${c2#*: }"
    else
        echo "  FAIL: kill-pppd"; fail=1
    fi
    lab_guest_exec "sh /mnt/cfg/bin/l2tp-client.sh down 1" >/dev/null || true
    if [ "$fail" = 0 ]; then
        echo "SELFTEST PASSED in $(lab_elapsed "$t0") s"
    else
        echo "SELFTEST FAILED after $(lab_elapsed "$t0") s (server log: $RUN/syslog.log)"
        return 1
    fi
}

# One start/stop/selftest at a time per state directory (tests may run in
# parallel); fd 8 is closed for the guest itself (uml_boot).
lock() { mkdir -p "$LAB_STATE/lab"; exec 8>"$LAB_STATE/lab/xl2tpd.lock"; flock -w 600 8 || lab_die "lab lock busy"; }

case "${1:-}" in
    start) lab_need_root; lock; cmd_start ;;
    stop) lab_need_root; lock; cmd_stop ;;
    restart) lab_need_root; lock; cmd_stop >/dev/null; cmd_start ;;
    status) cmd_status ;;
    exec) shift; lab_guest_exec -t "${LAB_EXEC_TIMEOUT:-120}" "$*" ;;
    selftest) lab_need_root; lock; cmd_selftest ;;
    *) echo "usage: $0 start|stop|restart|status|exec CMD|selftest   (knobs: see the header of $0)" >&2; exit 2 ;;
esac

#!/bin/bash
# Rekeying against strongSwan 5.9 (charon + xl2tpd + pppd in the xl2tpd UML
# guest, tests/lab/xl2tpd.sh with XL2TPD_IPSEC=yes).
#   client rekeys   charon without rekeying of its own (XL2TPD_IPSEC_REKEY=no; a
#                   short IKE lifetime), the client with ipsec-salifetime=20
#                   and ipsec-ikelifetime=40: ~70 s of pings across at least two
#                   phase-2 and one phase-1 rekey, >= 99 % answered; transfers
#                   with matching sha256 across a rekey; charon's log shows the
#                   new CHILD_SAs and IKE_SA and the old ones deleted; the
#                   capture holds no plaintext L2TP (UDP 1701).
#   gateway rekeys  charon rekeys the CHILD_SA itself (rekey=yes, life 20 s,
#                   shorter than the client's 120 s): the client answers its
#                   Quick Mode and the tunnel survives.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/l2tp-ipsec-common.sh"

export XL2TPD_NETNS=$IT_NS XL2TPD_IPSEC=yes
lab_use_xl2tpd
IT_GATEWAY=$LAB_XL2TPD_SERVER
SW_PSK=${XL2TPD_IPSEC_PSK:-vpnpsk123}
CHARON_LOG=$LAB_XL2TPD_RUN/charon.log

sw_start() {
	local t0
	t0=$(lab_now)
	env "$@" "$LAB_DIR/xl2tpd.sh" start >"$IT_TMP/lab.out" 2>&1 ||
		{ cat "$IT_TMP/lab.out"; it_fail "the lab's xl2tpd + strongSwan did not start"; }
	mkdir -p "/etc/netns/$IT_NS"
	printf '# winvpn test namespace %s\nnameserver 127.0.0.53\n' "$IT_NS" >"$(it_netns_resolv)"
	it_log "lab xl2tpd + strongSwan up ($*) in $(lab_elapsed "$t0") s"
}
charon_mark() { stat -c %s "$CHARON_LOG" 2>/dev/null || echo 0; }
charon_count() { tail -c +$(($1 + 1)) "$CHARON_LOG" | grep -Ec -- "$2" || true; }

# ping_run SECONDS: pings every 0.2 s in the background; ping_result -> "sent received"
_sw_no_sa() { [ -z "$(lab_guest_exec -t 10 'swanctl --list-sas --noblock 2>/dev/null | grep -E "ESTABLISHED|INSTALLED"')" ]; }

ping_run() {
	it_in_ns ping -i 0.2 -W 2 -c $(($1 * 5)) "$LAB_PPP_SERVER_IP" >"$IT_TMP/ping.out" 2>&1 &
	PING_PID=$!
}
ping_result() {   # sets SENT and GOT
	wait "$PING_PID" || true
	read -r SENT GOT < <(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' \
		"$IT_TMP/ping.out") || true
	sent=${SENT:-0} got=${GOT:-0}
}

# ---- the client rekeys ---------------------------------------------------------
# (no CHILD_SA lifetime on charon's side: strongSwan 5.9 in IKEv1 rekeys a
# CHILD_SA within a second when the initiator's lifetime is below its own
# life_time and its rekey_time is 0 -- a rekey storm, not this test)
sw_start XL2TPD_AUTH=mschapv2 XL2TPD_MPPE=none XL2TPD_IPSEC_IKE_LIFETIME=60 XL2TPD_IPSEC_REKEY=no
lsec_capture_start "$LAB_XL2TPD_TAP"
mark=$(charon_mark)
lsec_connect "$SW_PSK" -p l2tp -v -o ipsec-salifetime=20 -o ipsec-ikelifetime=40
it_wait_up 30
t0=$(lab_now)
it_ok "client rekeys: tunnel up on $(it_tundev)"
ping_run 70
# transfers back to back for 25 s: at least one crosses a phase-2 rekey
n=0
while [ "$(lab_elapsed "$t0" | cut -d. -f1)" -lt 25 ]; do
	it_transfer $((2 * 1024 * 1024))
	n=$((n + 1))
done
during=$(grep -c 'IPsec SA rekeyed: new SPIs in 0x' "$IT_ERR" || true)
[ "$during" -ge 1 ] || it_fail "client rekeys: no phase-2 rekey during the 25 s of transfers"
it_ok "client rekeys: $n transfers of 2 MB each way in 25 s, all sha256 intact, across $during phase-2 rekey(s)"
ping_result
[ "$sent" -gt 0 ] && [ $((got * 100)) -ge $((sent * 99)) ] ||
	it_fail "client rekeys: $got of $sent pings answered (< 99 %)"
p2=$(grep -c 'IPsec SA rekeyed: new SPIs in 0x' "$IT_ERR" || true)
p1=$(grep -c 'IKE SA rekeyed:' "$IT_ERR" || true)
[ "$p2" -ge 2 ] && [ "$p1" -ge 1 ] ||
	it_fail "client rekeys: $p2 phase-2 and $p1 phase-1 rekeys in $(lab_elapsed "$t0") s"
it_ok "client rekeys: $got of $sent pings answered over $(lab_elapsed "$t0") s, across $p2 phase-2 and $p1 phase-1 rekeys"
c_up=$(charon_count "$mark" 'CHILD_SA l2tp\{[0-9]+\} established')
c_del=$(charon_count "$mark" 'received DELETE for ESP CHILD_SA')
i_up=$(charon_count "$mark" 'IKE_SA l2tp\[[0-9]+\] established')
i_del=$(charon_count "$mark" 'received DELETE for IKE_SA')
[ "$c_up" -ge 3 ] && [ "$c_del" -ge 2 ] && [ "$i_up" -ge 2 ] && [ "$i_del" -ge 1 ] ||
	it_fail "charon's log: $c_up CHILD_SAs established, $c_del deleted, $i_up IKE_SAs established, $i_del deleted"
it_ok "charon: $c_up CHILD_SAs and $i_up IKE_SAs established, $c_del old CHILD_SAs and $i_del old IKE_SAs deleted"
it_disconnect 15
cp "$IT_ERR" "$IT_TMP/client-rekeys.err"
[ "$IT_RC" = 0 ] || it_fail "client rekeys: exit status $IT_RC after Ctrl-C, expected 0"
lsec_capture_stop
lsec_capture_check "$LAB_XL2TPD_SERVER"
it_ok "client rekeys: on the wire only $LSEC_COUNTS; no plaintext L2TP"
lab_wait_until 5 _sw_no_sa || it_fail "charon still has SAs: $(lab_guest_exec 'swanctl --list-sas 2>/dev/null')"
it_ok "client rekeys: exit 0, charon holds no SA"

# ---- the gateway rekeys ---------------------------------------------------------
sw_start XL2TPD_AUTH=mschapv2 XL2TPD_MPPE=none XL2TPD_IPSEC_LIFETIME=20 XL2TPD_IPSEC_REKEY=yes
mark=$(charon_mark)
lsec_connect "$SW_PSK" -p l2tp -v -o ipsec-salifetime=120
it_wait_up 30
t0=$(lab_now)
ping_run 45
ping_result
kill -0 "$IT_PID" 2>/dev/null || it_fail "gateway rekeys: the client ended"
gw=$(grep -c "started a Quick Mode" "$IT_ERR" || true)
c_up=$(charon_count "$mark" 'CHILD_SA l2tp\{[0-9]+\} established')
[ "$gw" -ge 1 ] && [ "$c_up" -ge 2 ] ||
	it_fail "gateway rekeys: the client saw $gw Quick Modes from charon; charon established $c_up CHILD_SAs"
[ "$sent" -gt 0 ] && [ $((got * 100)) -ge $((sent * 95)) ] ||
	it_fail "gateway rekeys: $got of $sent pings answered (< 95 %)"
it_ok "gateway rekeys: $gw gateway Quick Modes answered, $c_up CHILD_SAs, $got of $sent pings answered"
it_transfer $((2 * 1024 * 1024))
it_disconnect 15
[ "$IT_RC" = 0 ] || it_fail "gateway rekeys: exit status $IT_RC after Ctrl-C, expected 0"
lab_wait_until 5 _sw_no_sa || it_fail "charon still has SAs: $(lab_guest_exec 'swanctl --list-sas 2>/dev/null')"
it_ok "gateway rekeys: exit 0, charon holds no SA"
it_done

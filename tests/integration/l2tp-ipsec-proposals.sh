#!/bin/bash
# winvpn's IKE and ESP algorithms against a real kernel: strongSwan's charon
# in the xl2tpd UML guest (tests/lab/xl2tpd.sh XL2TPD_IPSEC=yes) negotiates,
# and the guest's Linux XFRM does ESP.  For each pair of ipsec-ike / ipsec-esp
# settings: the tunnel comes up with exactly that proposal (client and charon
# agree on it), pings and 1 MiB each way pass intact (ESP encryption,
# integrity, padding and sequence numbers as the kernel checks them), and
# Ctrl-C ends it cleanly.  HMAC-SHA2-256 must be truncated to 128 bits (RFC
# 4868), AES-GCM uses an 8-octet IV and 16-octet ICV (RFC 4106), 3DES a
# 64-bit block; PFS runs a second Diffie-Hellman in Quick Mode.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/l2tp-ipsec-common.sh"

export XL2TPD_NETNS=$IT_NS XL2TPD_IPSEC=yes
lab_use_xl2tpd
IT_GATEWAY=$LAB_XL2TPD_SERVER
SW_PSK=${XL2TPD_IPSEC_PSK:-vpnpsk123}
CHARON_LOG=$LAB_XL2TPD_RUN/charon.log
charon_mark() { stat -c %s "$CHARON_LOG" 2>/dev/null || echo 0; }
charon_wait() {   # charon_wait MARK ERE [TIMEOUT]
	lab_wait_until "${3:-10}" _charon_has "$1" "$2" ||
		it_fail "charon's log does not show /$2/ (log: $CHARON_LOG)"
}
_charon_has() { tail -c +$(($1 + 1)) "$CHARON_LOG" | grep -Eq -- "$2"; }
_sw_no_sa() { [ -z "$(lab_guest_exec -t 10 'swanctl --list-sas --noblock 2>/dev/null | grep -E "ESTABLISHED|INSTALLED"')" ]; }

t0=$(lab_now)
env XL2TPD_AUTH=mschapv2 XL2TPD_MPPE=none XL2TPD_IPSEC_FORCEENCAPS=no "$LAB_DIR/xl2tpd.sh" start \
	>"$IT_TMP/lab.out" 2>&1 || { cat "$IT_TMP/lab.out"; it_fail "the lab's xl2tpd + strongSwan did not start"; }
mkdir -p "/etc/netns/$IT_NS"
printf '# winvpn test namespace %s\nnameserver 127.0.0.53\n' "$IT_NS" >"$(it_netns_resolv)"
it_log "lab xl2tpd + strongSwan up in $(lab_elapsed "$t0") s"

# one IKE ESP CHARON_IKE CHARON_ESP [options]: CHARON_* are the proposals as
# charon logs them ("selected proposal: IKE:..." / "ESP:...")
one() {
	local ike=$1 esp=$2 cike=$3 cesp=$4 mark
	shift 4
	mark=$(charon_mark)
	lsec_connect "$SW_PSK" -p l2tp -o ipsec-ike="$ike" -o ipsec-esp="$esp" "$@"
	it_wait_up 30
	it_grep_err "the gateway accepted the IKE proposal $ike "
	it_grep_err "the gateway accepted the ESP proposal "
	charon_wait "$mark" "selected proposal: IKE:$cike" 5
	charon_wait "$mark" "selected proposal: ESP:$cesp" 5
	charon_wait "$mark" 'CHILD_SA l2tp\{[0-9]+\} established' 5
	it_ping "$LAB_PPP_SERVER_IP"
	it_transfer $((1024 * 1024))
	lsec_settle "$LAB_PPP_SERVER_IP"
	it_disconnect 15
	[ "$IT_RC" = 0 ] || it_fail "$ike / $esp: exit status $IT_RC after Ctrl-C"
	lsec_assert_clean "$IT_NS" "$LAB_PPP_DNS"
	lab_wait_until 5 _sw_no_sa || it_fail "$ike / $esp: charon still has SAs"
	it_ok "$ike / $esp${*:+ ($*)}: charon chose IKE:$cike ESP:$cesp; ping and 1 MiB each way intact; clean"
}

one aes256-sha256-modp2048 aes128-sha256 'AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048' \
	'AES_CBC_128/HMAC_SHA2_256_128/NO_EXT_SEQ'
one 3des-sha1-modp1024 3des-sha1 '3DES_CBC/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024' \
	'3DES_CBC/HMAC_SHA1_96/NO_EXT_SEQ'
one aes128-sha1-modp2048 aes128gcm16 'AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048' \
	'AES_GCM_16_128/NO_EXT_SEQ'
one aes128-sha1-modp2048 aes256gcm16 'AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048' \
	'AES_GCM_16_256/NO_EXT_SEQ' -o ipsec-forceencaps=yes
one aes256-sha1-modp2048 aes256-sha1-modp2048 'AES_CBC_256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048' \
	'AES_CBC_256/HMAC_SHA1_96/MODP_2048/NO_EXT_SEQ'
# ipsec-pfs=yes (NetworkManager-l2tp's switch) adds MODP-2048 to an ESP
# proposal that names no group
one aes256-sha1-modp2048 aes256-sha1 'AES_CBC_256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048' \
	'AES_CBC_256/HMAC_SHA1_96/MODP_2048/NO_EXT_SEQ' -o ipsec-pfs=yes
it_done

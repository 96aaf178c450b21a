#!/bin/bash
# L2TP/IPsec with certificates (machine-auth-type=tls: IKEv1 Main Mode with RSA
# signatures) against strongSwan 5.9 in the xl2tpd UML guest
# (tests/lab/xl2tpd.sh with XL2TPD_IPSEC_AUTH=cert: charon's auth = pubkey).
# The test makes its own PKI with openssl: a CA, the gateway's certificate
# (subjectAltName IP of the lab gateway), a client certificate with its key
# as PEM and as PKCS#12 (protected, passphrase through --secret-fd), and a
# second CA with a gateway certificate of its own.
#   PEM       certificate + key files: tunnel up, ping, 2 MB each way, Ctrl-C,
#             charon saw our Deletes, no plaintext L2TP on the wire
#   PKCS#12   key, certificate and chain in one file, with a passphrase
#   wrong passphrase    exit 2, names the file and machine-certpass
#   other CA  the gateway's certificate is not from machine-ca: exit 3, names
#             its subject and issuer
#   identity  ipsec-remote-id that the certificate does not carry: exit 3
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/l2tp-ipsec-common.sh"

export XL2TPD_NETNS=$IT_NS XL2TPD_IPSEC=yes
lab_use_xl2tpd
IT_GATEWAY=$LAB_XL2TPD_SERVER
CHARON_LOG=$LAB_XL2TPD_RUN/charon.log
PKI=$IT_TMP/pki
command -v openssl >/dev/null || lab_apt_install openssl || it_fail "no openssl"

charon_mark() { stat -c %s "$CHARON_LOG" 2>/dev/null || echo 0; }
charon_wait() {   # charon_wait MARK ERE [TIMEOUT]
	lab_wait_until "${3:-10}" _charon_has "$1" "$2" ||
		it_fail "charon's log does not show /$2/ (log: $CHARON_LOG)"
}
_charon_has() { tail -c +$(($1 + 1)) "$CHARON_LOG" | grep -Eq -- "$2"; }
_sw_no_sa() { [ -z "$(lab_guest_exec -t 10 'swanctl --list-sas --noblock 2>/dev/null | grep -E "ESTABLISHED|INSTALLED"')" ]; }

# ---- the PKI ---------------------------------------------------------------------
pki_ca() {   # pki_ca NAME CN
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PKI/$1.key" -out "$PKI/$1.pem" \
		-days 30 -subj "/C=CH/O=winvpn lab/CN=$2" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
		2>/dev/null || it_fail "openssl: CA $1"
}
pki_cert() {   # pki_cert NAME CN CA SAN
	openssl req -newkey rsa:2048 -nodes -keyout "$PKI/$1.key" -out "$PKI/$1.csr" \
		-subj "/C=CH/O=winvpn lab/CN=$2" 2>/dev/null || it_fail "openssl: key $1"
	printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nsubjectAltName=%s\n' \
		"$4" >"$PKI/$1.ext"
	openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/$3.pem" -CAkey "$PKI/$3.key" -CAcreateserial \
		-days 30 -sha256 -extfile "$PKI/$1.ext" -out "$PKI/$1.pem" 2>/dev/null ||
		it_fail "openssl: certificate $1"
}
mkdir -p "$PKI" "$PKI/gw-ok" "$PKI/gw-other"
chmod 700 "$PKI"
pki_ca ca "winvpn lab CA"
pki_ca otherca "another CA"
pki_cert gw "vpn.lab.example" ca "IP:$LAB_XL2TPD_SERVER,DNS:vpn.lab.example"
pki_cert gw2 "vpn.lab.example" otherca "IP:$LAB_XL2TPD_SERVER,DNS:vpn.lab.example"
pki_cert client "client1.lab.example" ca "DNS:client1.lab.example"
printf 'p12-secret-42\n' >"$PKI/p12pass"
printf 'not-the-passphrase\n' >"$PKI/badpass"
openssl pkcs12 -export -in "$PKI/client.pem" -inkey "$PKI/client.key" -certfile "$PKI/ca.pem" \
	-passout file:"$PKI/p12pass" -out "$PKI/client.p12" 2>/dev/null || it_fail "openssl: PKCS#12"
cp "$PKI/ca.pem" "$PKI/gw-ok/ca.pem"; cp "$PKI/gw.pem" "$PKI/gw-ok/gw.pem"; cp "$PKI/gw.key" "$PKI/gw-ok/gw.key"
cp "$PKI/ca.pem" "$PKI/gw-other/ca.pem"; cp "$PKI/gw2.pem" "$PKI/gw-other/gw.pem"; cp "$PKI/gw2.key" "$PKI/gw-other/gw.key"
it_ok "PKI made: CA, gateway (SAN IP $LAB_XL2TPD_SERVER), client (PEM and PKCS#12), another CA"

sw_start() {
	local t0
	t0=$(lab_now)
	env "$@" "$LAB_DIR/xl2tpd.sh" start >"$IT_TMP/lab.out" 2>&1 ||
		{ cat "$IT_TMP/lab.out"; it_fail "the lab's xl2tpd + strongSwan did not start"; }
	mkdir -p "/etc/netns/$IT_NS"
	printf '# winvpn test namespace %s\nnameserver 127.0.0.53\n' "$IT_NS" >"$(it_netns_resolv)"
	it_log "lab xl2tpd + strongSwan up (certificates) in $(lab_elapsed "$t0") s"
}

# cert_connect [winvpn options...]: the PKCS#12 passphrase on fd 4, a wrong one on fd 5
cert_connect() {
	local pass=${IT_PASS-$LAB_PASS} user=${IT_USER-$LAB_USER}
	: >"$IT_OUT"; : >"$IT_ERR"
	ip netns exec "$IT_NS" "$WINVPN" connect --passwd-on-stdin -u "$user" -p l2tp \
		-o machine-auth-type=tls -o machine-ca="$PKI/ca.pem" "$@" "$IT_GATEWAY" \
		<<<"$pass" 4<"$PKI/p12pass" 5<"$PKI/badpass" >"$IT_OUT" 2>"$IT_ERR" &
	IT_PID=$!
}

one_case() {   # one_case LABEL [options...]
	local label=$1 mark t0
	shift
	lsec_capture_start "$LAB_XL2TPD_TAP"
	mark=$(charon_mark)
	t0=$(lab_now)
	cert_connect -v "$@"
	it_wait_up 30
	it_log "$label: tunnel up on $(it_tundev) in $(lab_elapsed "$t0") s"
	it_grep_err "IKE SA with $LAB_XL2TPD_SERVER established .*the gateway is \"CN=vpn.lab.example,O=winvpn lab,C=CH\" \(certificate verified against machine-ca\)"
	charon_wait "$mark" 'authentication of .CN=client1.lab.example.* with RSA.* successful|authentication of .C=CH, O=winvpn lab, CN=client1.lab.example. with RSA' 5
	it_ok "$label: Main Mode with RSA signatures both ways; charon authenticated our certificate"
	it_ping "$LAB_PPP_SERVER_IP"
	it_transfer $((2 * 1024 * 1024))
	lsec_settle "$LAB_PPP_SERVER_IP"
	mark=$(charon_mark)
	it_disconnect 15
	[ "$IT_RC" = 0 ] || it_fail "$label: exit status $IT_RC after Ctrl-C, expected 0"
	charon_wait "$mark" 'received DELETE for IKE_SA' 5
	lsec_capture_stop
	lsec_capture_check "$LAB_XL2TPD_SERVER"
	it_ok "$label: exit 0, charon received our Deletes; on the wire only $LSEC_COUNTS"
	lab_wait_until 5 _sw_no_sa || it_fail "charon still has SAs"
}

sw_start XL2TPD_AUTH=mschapv2 XL2TPD_MPPE=none XL2TPD_IPSEC_AUTH=cert XL2TPD_IPSEC_CERTDIR="$PKI/gw-ok"
one_case "PEM" -o machine-cert="$PKI/client.pem" -o machine-key="$PKI/client.key"
one_case "PKCS#12" -o machine-cert="$PKI/client.p12" --secret-fd machine-certpass=4

cert_connect -o machine-cert="$PKI/client.p12" --secret-fd machine-certpass=5
it_wait_exit 20
[ "$IT_RC" = 2 ] || it_fail "wrong passphrase: exit status $IT_RC, expected 2"
it_grep_err "wrong passphrase for the PKCS#12 file $PKI/client.p12 \(machine-certpass\)"
it_ok "wrong passphrase: exit 2, names the file and machine-certpass"

cert_connect -o machine-cert="$PKI/client.pem" -o machine-key="$PKI/client.key" \
	-o ipsec-remote-id="CN=somebody else"
it_wait_exit 30
[ "$IT_RC" = 3 ] || it_fail "identity: exit status $IT_RC, expected 3"
it_grep_err 'does not match ipsec-remote-id "CN=somebody else"'
lab_wait_until 5 _sw_no_sa || it_fail "identity: charon still has SAs (we did not delete ours)"
it_ok "identity mismatch: exit 3, names the certificate and ipsec-remote-id; the gateway's IKE SA deleted"

sw_start XL2TPD_AUTH=mschapv2 XL2TPD_MPPE=none XL2TPD_IPSEC_AUTH=cert XL2TPD_IPSEC_CERTDIR="$PKI/gw-other"
cert_connect -o machine-cert="$PKI/client.pem" -o machine-key="$PKI/client.key"
it_wait_exit 30
[ "$IT_RC" = 3 ] || it_fail "other CA: exit status $IT_RC, expected 3"
it_grep_err 'certificate "CN=vpn.lab.example,O=winvpn lab,C=CH" \(issuer "CN=another CA,O=winvpn lab,C=CH"\) is not signed by machine-ca "CN=winvpn lab CA'
lab_wait_until 5 _sw_no_sa || it_fail "other CA: charon still has SAs (we did not delete ours)"
it_ok "gateway certificate from another CA: exit 3, names its subject and issuer; the gateway's IKE SA deleted"
it_done

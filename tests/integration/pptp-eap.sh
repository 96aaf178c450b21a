#!/bin/bash
# EAP inside PPP against the lab's real pppd 2.4.9 (require-eap):
#  - EAP-MD5 (alice has a chap-secrets entry, so pppd picks MD5) connects and
#    carries traffic; a wrong password ends with exit 3 naming EAP-MD5;
#  - refuse-eap=yes against a server that only does EAP: exit 7, and the
#    message names EAP and the setting;
#  - EAP-TLS (carol has no chap-secrets entry, so pppd picks TLS) with
#    certificates made here: PEM cert + key, then PKCS#12 with a passphrase
#    from a private profile, both with MPPE-128 keyed from the TLS MSK; a user
#    certificate from another CA is refused by the server (exit 3), and a
#    user-ca that does not hold the server's CA is refused by us (exit 3).
. "$(dirname "$0")/lib.sh"

command -v openssl >/dev/null || { echo "SKIP: $IT_NAME needs the openssl command"; exit 77; }

connect_ok() {   # connect_ok WHAT LOG-REGEX [winvpn options]
	local what=$1 want=$2 mark; shift 2
	mark=$(lab_server_log_mark)
	it_connect "$@"
	it_wait_up 30
	lab_server_log_wait "$mark" "$want" 10 >/dev/null ||
		it_fail "$what: the server log lacks /$want/"
	it_ping "$LAB_PPP_SERVER_IP"
	it_transfer 200000
	it_disconnect 15
	[ "$IT_RC" = 0 ] || it_fail "$what: exit status $IT_RC after Ctrl-C"
	it_assert_clean
	it_ok "$what connects, carries traffic, disconnects"
}

connect_fails() {   # connect_fails WHAT RC STDERR-REGEX [winvpn options]
	local what=$1 rc=$2 want=$3; shift 3
	it_connect "$@"
	it_wait_exit 40
	[ "$IT_RC" = "$rc" ] || it_fail "$what: exit status $IT_RC, expected $rc"
	it_grep_err "$want"
	it_assert_clean
	it_ok "$what: exit $rc, says /$want/"
}

# ---- EAP-MD5 ----
it_start_lab PPTPD_AUTH=eap-md5 PPTPD_MPPE=none
connect_ok "EAP-MD5" 'sent \[EAP Success'
IT_PASS=wrong-password connect_fails "EAP-MD5 wrong password" 3 \
	'rejected the user name or password \(EAP-MD5\)'
connect_fails "refuse-eap" 7 'requires EAP, which the settings refuse \(refuse-eap\)' \
	-o refuse-eap=yes

# ---- EAP-TLS ----
pki=$IT_TMP/pki
mkdir -p "$pki/other"
mkcert() {   # mkcert DIR NAME CN CA-DIR
	openssl req -newkey rsa:2048 -nodes -keyout "$1/$2.key" -subj "/CN=$3" \
		-out "$1/$2.csr" 2>/dev/null
	openssl x509 -req -in "$1/$2.csr" -CA "$4/ca.crt" -CAkey "$4/ca.key" -CAcreateserial \
		-days 2 -out "$1/$2.crt" 2>/dev/null
}
for d in "$pki" "$pki/other"; do
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.crt" \
		-days 2 -subj "/CN=winvpn test CA $(basename "$d")" 2>/dev/null
done
mkcert "$pki" server pptpd "$pki"
mkcert "$pki" carol carol "$pki"
mkcert "$pki/other" carol carol "$pki/other"
openssl pkcs12 -export -in "$pki/carol.crt" -inkey "$pki/carol.key" -passout pass:p12pass \
	-out "$pki/carol.p12"
[ -s "$pki/carol.p12" ] || it_fail "openssl made no PKCS#12 file"
it_ok "test PKI: two CAs, server and user certificates, a PKCS#12 file"

it_start_lab PPTPD_AUTH=eap-tls PPTPD_MPPE=require128 PPTPD_EAPTLS_DIR="$pki"
tls_opts=(-o user-auth-type=tls -o "user-ca=$pki/ca.crt" -o require-mppe-128=yes)
IT_USER=carol connect_ok "EAP-TLS (PEM)" 'MPPE 128-bit stateless compression enabled' \
	"${tls_opts[@]}" -o "user-cert=$pki/carol.crt" -o "user-key=$pki/carol.key"

profile=$IT_TMP/p12.conf
printf 'user-cert = %s\nuser-certpass = p12pass\n' "$pki/carol.p12" >"$profile"
chmod 600 "$profile"
IT_USER=carol connect_ok "EAP-TLS (PKCS#12 with a passphrase)" \
	'MPPE 128-bit stateless compression enabled' -c "$profile" "${tls_opts[@]}"

IT_USER=carol connect_fails "EAP-TLS, user certificate of another CA" 3 \
	'EAP-TLS: the server rejected the user certificate' \
	"${tls_opts[@]}" -o "user-cert=$pki/other/carol.crt" -o "user-key=$pki/other/carol.key"
IT_USER=carol connect_fails "EAP-TLS, server certificate not from user-ca" 3 \
	"server's certificate could not be verified" \
	-o user-auth-type=tls -o "user-ca=$pki/other/ca.crt" -o require-mppe-128=yes \
	-o "user-cert=$pki/carol.crt" -o "user-key=$pki/carol.key"
it_done

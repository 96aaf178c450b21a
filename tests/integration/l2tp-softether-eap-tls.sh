#!/bin/bash
# EAP-TLS against a real SoftEther VPN Server 5.01 over L2TP/IPsec
# (tests/lab/softether.sh), with certificates made here: SoftEther's server
# certificate from our test CA, the hub trusting that CA for user "carol"
# (signed-certificate authentication, CN=carol).  With user-auth-type=tls
# winvpn accepts SoftEther's EAP at once, answers the Identity with carol,
# runs the TLS handshake (fragmented both ways; SoftEther acknowledges our
# fragments without a Flags octet), verifies SoftEther's certificate against
# user-ca, and the tunnel carries traffic.  A user certificate from another
# CA is refused by SoftEther (exit 3, naming EAP-TLS).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/l2tp-ipsec-common.sh"

command -v openssl >/dev/null || { echo "SKIP: $IT_NAME needs the openssl command"; exit 77; }

export SOFTETHER_NETNS=$IT_NS
SE_NET=${SOFTETHER_NET:-10.98.4}
SE_SERVER=$SE_NET.2
SE_DATA_IP=${SOFTETHER_DATA_IP:-10.98.5.1}
SE_PSK=${SOFTETHER_PSK:-testpsk}
SE_PPP_SERVER=192.168.30.1
IT_GATEWAY=$SE_SERVER
LAB_RUN=$LAB_STATE/lab/softether

se() { bash "$LAB_DIR/softether.sh" "$@"; }
se_log_mark() { stat -c %s "$(se log)" 2>/dev/null || echo 0; }
_se_log_has() { tail -c +$(($1 + 1)) "$(se log)" 2>/dev/null | grep -Eq -- "$2"; }

# ---- certificates ----
pki=$IT_TMP/pki
mkdir -p "$pki/other"
for d in "$pki" "$pki/other"; do
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.crt" \
		-days 2 -subj "/CN=winvpn test CA $(basename "$d")" 2>/dev/null
done
mkcert() {   # mkcert DIR NAME CN
	openssl req -newkey rsa:2048 -nodes -keyout "$1/$2.key" -subj "/CN=$3" \
		-out "$1/$2.csr" 2>/dev/null
	openssl x509 -req -in "$1/$2.csr" -CA "$1/ca.crt" -CAkey "$1/ca.key" -CAcreateserial \
		-days 2 -out "$1/$2.crt" 2>/dev/null
}
mkcert "$pki" server softether
mkcert "$pki" carol carol
mkcert "$pki/other" carol carol
[ -s "$pki/carol.crt" ] && [ -s "$pki/other/carol.crt" ] || it_fail "openssl made no certificates"

# ---- a fresh SoftEther with certificate authentication for carol ----
se restart >"$IT_TMP/lab.out" 2>&1 || { cat "$IT_TMP/lab.out"; it_fail "SoftEther did not start"; }
mkdir -p "/etc/netns/$IT_NS"
printf '# winvpn test namespace %s\nnameserver 127.0.0.53\n' "$IT_NS" >"$(it_netns_resolv)"
cat >"$pki/vpncmd.in" <<EOF
ServerCertSet /LOADCERT:$pki/server.crt /LOADKEY:$pki/server.key
Hub VPN
CAAdd ca.crt
UserCreate carol /GROUP:none /REALNAME:none /NOTE:none
UserSignedSet carol /CN:carol /SERIAL:none
EOF
(cd "$pki" && se vpncmd /IN:"$pki/vpncmd.in") >"$IT_TMP/vpncmd.out" 2>&1 || true
n=$(grep -c 'The command completed successfully' "$IT_TMP/vpncmd.out" || true)
[ "$n" = 5 ] || { cat "$IT_TMP/vpncmd.out"; it_fail "vpncmd: $n of 5 commands succeeded"; }
it_ok "SoftEther: server certificate from the test CA, carol authenticated by certificate"

tls=(-p l2tp -v -o user-auth-type=tls -o "user-ca=$pki/ca.crt")

mark=$(se_log_mark)
IT_USER=carol lsec_connect "$SE_PSK" "${tls[@]}" -o "user-cert=$pki/carol.crt" \
	-o "user-key=$pki/carol.key"
it_wait_up 30
it_grep_err 'LCP is up: .*authentication EAP'
it_grep_err 'EAP-TLS: handshake complete'
it_grep_err 'authenticated with EAP-TLS'
lab_wait_until 5 _se_log_has "$mark" 'Successfully authenticated as user "carol"' ||
	it_fail "SoftEther's log shows no authentication of carol"
_se_log_has "$mark" 'accepted its contents as the certificate .*"carol".*CN=carol' ||
	it_fail "SoftEther's log shows no certificate login of carol"
it_ok "EAP-TLS with SoftEther: handshake, SoftEther's certificate verified, carol authenticated"
it_ping "$SE_PPP_SERVER"
LAB_PPP_SERVER_IP=$SE_DATA_IP it_transfer 1000000
lsec_settle "$SE_PPP_SERVER"
it_disconnect 15
[ "$IT_RC" = 0 ] || it_fail "exit status $IT_RC after Ctrl-C, expected 0"
lsec_assert_clean "$IT_NS" "$SE_PPP_SERVER"
it_ok "EAP-TLS tunnel carries traffic both ways and disconnects cleanly"

IT_USER=carol lsec_connect "$SE_PSK" "${tls[@]}" -o "user-cert=$pki/other/carol.crt" \
	-o "user-key=$pki/other/carol.key"
mark=$(se_log_mark)
it_wait_exit 40
[ "$IT_RC" = 3 ] || it_fail "certificate of another CA: exit status $IT_RC, expected 3"
lab_wait_until 5 _se_log_has "$mark" 'User authentication failed. The user name that has been provided was "carol"' ||
	it_fail "SoftEther's log does not show carol refused"
it_grep_err 'rejected the user certificate \(EAP-TLS\)'
lsec_assert_clean "$IT_NS" "$SE_PPP_SERVER"
it_ok "a user certificate of another CA: exit 3, says SoftEther rejected it (EAP-TLS)"
se stop >/dev/null 2>&1 || true
it_done

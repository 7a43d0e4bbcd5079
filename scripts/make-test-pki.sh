#!/usr/bin/env bash
# make-test-pki.sh DIR: a throwaway test PKI for the integration tests and the
# demo.  An old root; a new root with an intermediate; leaf certificates for
# db.test (good, via the intermediate), one signed by the old root, one for
# the wrong host, one expired, one expiring in 5 days; trust bundles.
# For the audit-truth tests (tests/integration/test_audit.py): leaves
# for db.test that are only for TLS clients, signed with SHA-1, with a
# 1024-bit RSA key, revoked by a CRL in a hashed directory, with 40 SANs;
# leaves for the IP 127.0.0.1 named by a dNSName SAN or by the CN alone; a CA
# file with no certificate in it.
# For the CA-rotation rehearsal (tests/integration/test_rotation.py):
# next-ca.pem, the CA that issues the "good" server's certificate after the
# rotation (new-int.crt, then new-root.crt: issuing CA first), as a policy's
# next_ca names it.
set -euo pipefail
dir=${1:?usage: make-test-pki.sh DIR}
version=7     # bump when the set of files changes: an old PKI is then remade
[[ -f $dir/.done && $(cat "$dir/.done") == "$version" ]] && exit 0
rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"
umask 077

ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$1" 2>/dev/null; }
serial() { echo "0x$(openssl rand -hex 12)"; }

cat > ca.ext <<'EXT'
[req]
distinguished_name = dn
[dn]
[v3_root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[v3_int]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EXT

root() {   # root NAME CN
  ec_key "$1.key"
  openssl req -new -x509 -key "$1.key" -out "$1.crt" -days 3650 -sha256 \
    -subj "/CN=$2" -set_serial "$(serial)" -extensions v3_root -config ca.ext
}
root old-root "pgtls-shim test old root"
root new-root "pgtls-shim test new root"

ec_key new-int.key
openssl req -new -key new-int.key -subj "/CN=pgtls-shim test new intermediate" -out new-int.csr
openssl x509 -req -in new-int.csr -CA new-root.crt -CAkey new-root.key -set_serial "$(serial)" \
  -days 1825 -sha256 -extfile ca.ext -extensions v3_int -out new-int.crt 2>/dev/null

leaf_ext() {   # leaf_ext DNSNAME
  printf '%s\n' "basicConstraints = CA:FALSE" "keyUsage = critical, digitalSignature, keyEncipherment" \
    "extendedKeyUsage = serverAuth" "subjectAltName = DNS:$1" > "leaf-$1.ext"
  echo "leaf-$1.ext"
}

leaf() {   # leaf NAME DNSNAME CA DAYS [rsa]
  if [[ ${5:-} == rsa ]]; then
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key" 2>/dev/null
  else
    ec_key "$1.key"
  fi
  openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
  openssl x509 -req -in "$1.csr" -CA "$3.crt" -CAkey "$3.key" -set_serial "$(serial)" \
    -days "$4" -sha256 -extfile "$(leaf_ext "$2")" -out "$1.crt" 2>/dev/null
}
leaf server-good db.test new-int 365 rsa
leaf server-old db.test old-root 365
leaf server-wronghost other.test new-int 365
leaf server-soon db.test new-int 5
# For PgBouncer in the benchmark: it checks the name it dials (no hostaddr).
ec_key server-ip.key
openssl req -new -key server-ip.key -subj "/CN=localhost" -out server-ip.csr
printf '%s\n' "basicConstraints = CA:FALSE" "keyUsage = critical, digitalSignature, keyEncipherment" \
  "extendedKeyUsage = serverAuth" "subjectAltName = DNS:localhost, IP:127.0.0.1" > leaf-ip.ext
openssl x509 -req -in server-ip.csr -CA new-int.crt -CAkey new-int.key -set_serial "$(serial)" \
  -days 365 -sha256 -extfile leaf-ip.ext -out server-ip.crt 2>/dev/null

# Expired: openssl x509 cannot back-date, openssl ca can.
ec_key server-expired.key
openssl req -new -key server-expired.key -subj "/CN=db.test" -out server-expired.csr
mkdir -p ca-db && : > ca-db/index.txt && openssl rand -hex 8 > ca-db/serial
cat > ca-db/ca.cnf <<EOF2
[ca]
default_ca = test
[test]
database = ca-db/index.txt
serial = ca-db/serial
new_certs_dir = ca-db
default_md = sha256
policy = any
copy_extensions = none
unique_subject = no
[any]
commonName = supplied
[leaf]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:db.test
EOF2
openssl ca -batch -notext -config ca-db/ca.cnf -cert new-int.crt -keyfile new-int.key \
  -startdate 20200101000000Z -enddate 20200102000000Z -extensions leaf \
  -in server-expired.csr -out server-expired.crt 2>/dev/null

# Revoked: issued by the intermediate through the same CA database, then
# revoked; CRLs for both CAs (libpq checks the whole chain) in one file.
ec_key server-revoked.key
openssl req -new -key server-revoked.key -subj "/CN=db.test" -out server-revoked.csr
openssl ca -batch -notext -config ca-db/ca.cnf -cert new-int.crt -keyfile new-int.key \
  -days 365 -extensions leaf -in server-revoked.csr -out server-revoked.crt 2>/dev/null
openssl ca -batch -config ca-db/ca.cnf -cert new-int.crt -keyfile new-int.key \
  -revoke server-revoked.crt 2>/dev/null
openssl ca -batch -config ca-db/ca.cnf -cert new-int.crt -keyfile new-int.key \
  -gencrl -crldays 30 -out new-int.crl.pem 2>/dev/null
mkdir -p root-db && : > root-db/index.txt && openssl rand -hex 8 > root-db/serial
sed 's#ca-db/#root-db/#' ca-db/ca.cnf > root-db/ca.cnf
openssl ca -batch -config root-db/ca.cnf -cert new-root.crt -keyfile new-root.key \
  -gencrl -crldays 30 -out new-root.crl.pem 2>/dev/null
cat new-int.crl.pem new-root.crl.pem > new-crls.pem
# A CA file that exists but holds no certificate (CA bundle unreadable).
echo 'not a certificate' > not-a-bundle.pem

leaf_with() {   # leaf_with NAME SUBJECT-CN EXTFILE [openssl x509 options...]: via new-int
  local name=$1 cn=$2 ext=$3
  shift 3
  ec_key "$name.key"
  openssl req -new -key "$name.key" -subj "/CN=$cn" -out "$name.csr"
  openssl x509 -req -in "$name.csr" -CA new-int.crt -CAkey new-int.key -set_serial "$(serial)" \
    -days 365 -extfile "$ext" "$@" -out "$name.crt" 2>/dev/null
}
# Extended key usage for TLS clients only, not servers.
printf '%s\n' "basicConstraints = CA:FALSE" "keyUsage = critical, digitalSignature, keyEncipherment" \
  "extendedKeyUsage = clientAuth" "subjectAltName = DNS:db.test" > leaf-clientauth.ext
leaf_with server-clientauth db.test leaf-clientauth.ext -sha256
# Signed with SHA-1: below OpenSSL's default security level (its server needs
# weak-openssl.cnf to load it at all).
leaf_with server-sha1 db.test "$(leaf_ext db.test)" -sha1
# An RSA key of 1024 bits: also below the security level (same server setup).
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out server-rsa1024.key 2>/dev/null
openssl req -new -key server-rsa1024.key -subj "/CN=db.test" -out server-rsa1024.csr
openssl x509 -req -in server-rsa1024.csr -CA new-int.crt -CAkey new-int.key -set_serial "$(serial)" \
  -days 365 -sha256 -extfile "$(leaf_ext db.test)" -out server-rsa1024.crt 2>/dev/null
printf '%s\n' "openssl_conf = init" "[init]" "ssl_conf = ssl_sect" "[ssl_sect]" \
  "system_default = sysdef" "[sysdef]" "CipherString = DEFAULT@SECLEVEL=0" > weak-openssl.cnf
# 127.0.0.1 as a dNSName SAN (no iPAddress SAN; the CN names another host),
# and as the CN with no SAN at all.
leaf_with server-ipdns ipdns.other.test "$(leaf_ext 127.0.0.1)" -sha256
printf '%s\n' "basicConstraints = CA:FALSE" "keyUsage = critical, digitalSignature, keyEncipherment" \
  "extendedKeyUsage = serverAuth" > leaf-nosan.ext
leaf_with server-ipcn 127.0.0.1 leaf-nosan.ext -sha256
# 40 dNSName SANs; only the 38th is db.test (nor is the CN).
sans=()
for i in $(seq 1 40); do
  if ((i == 38)); then sans+=("DNS:db.test"); else sans+=("DNS:n$i.other.test"); fi
done
printf '%s\n' "basicConstraints = CA:FALSE" "keyUsage = critical, digitalSignature, keyEncipherment" \
  "extendedKeyUsage = serverAuth" "subjectAltName = $(IFS=,; echo "${sans[*]}")" > leaf-manysans.ext
leaf_with server-manysans manysans.other.test leaf-manysans.ext -sha256

# Revoked by its own root, named in a CRL directory (sslcrldir) hashed with
# openssl rehash: a root issuing the leaf directly, then revoking it.
root crl-root "pgtls-shim test CRL root"
ec_key server-crlrevoked.key
openssl req -new -key server-crlrevoked.key -subj "/CN=db.test" -out server-crlrevoked.csr
mkdir -p crl-db && : > crl-db/index.txt && openssl rand -hex 8 > crl-db/serial
sed 's#ca-db/#crl-db/#' ca-db/ca.cnf > crl-db/ca.cnf
openssl ca -batch -notext -config crl-db/ca.cnf -cert crl-root.crt -keyfile crl-root.key \
  -days 365 -extensions leaf -in server-crlrevoked.csr -out server-crlrevoked.crt 2>/dev/null
openssl ca -batch -config crl-db/ca.cnf -cert crl-root.crt -keyfile crl-root.key \
  -revoke server-crlrevoked.crt 2>/dev/null
mkdir -p crl-dir
openssl ca -batch -config crl-db/ca.cnf -cert crl-root.crt -keyfile crl-root.key \
  -gencrl -crldays 30 -out crl-dir/crl-root.crl.pem 2>/dev/null
openssl rehash crl-dir
cp crl-root.crt crl-bundle.pem
cp server-crlrevoked.crt server-crlrevoked.chain.crt

for n in server-good server-wronghost server-expired server-soon server-revoked server-ip \
         server-clientauth server-sha1 server-rsa1024 server-ipdns server-ipcn server-manysans; do
  cat "$n.crt" new-int.crt > "$n.chain.crt"
done
cp server-old.crt server-old.chain.crt
cp new-root.crt new-bundle.pem
cp old-root.crt old-bundle.pem
cat old-root.crt new-root.crt > both-bundle.pem
cat new-int.crt new-root.crt > next-ca.pem
chmod 644 ./*.crt ./*.pem ./*.cnf crl-dir/*.pem
chmod 755 crl-dir
rm -f ./*.csr

openssl verify -CAfile new-root.crt -untrusted new-int.crt server-good.crt >/dev/null
openssl verify -CAfile new-root.crt -untrusted new-int.crt server-revoked.crt >/dev/null
if openssl verify -crl_check_all -CRLfile new-crls.pem -CAfile new-root.crt -untrusted new-int.crt \
     server-revoked.crt >/dev/null 2>&1; then
  echo "make-test-pki: the revoked certificate verifies" >&2
  exit 1
fi
for n in server-clientauth server-ipdns server-ipcn server-manysans; do
  openssl verify -CAfile new-root.crt -untrusted new-int.crt "$n.crt" >/dev/null
done
openssl verify -CAfile crl-root.crt server-crlrevoked.crt >/dev/null
# next-ca.pem: trusted by a store holding the new root, not by the old one.
openssl verify -CAfile both-bundle.pem new-int.crt >/dev/null
if openssl verify -CAfile old-bundle.pem new-int.crt >/dev/null 2>&1; then
  echo "make-test-pki: next-ca.pem's issuing CA verifies against the old root alone" >&2
  exit 1
fi
if openssl verify -crl_check_all -CRLfile crl-dir/crl-root.crl.pem -CAfile crl-root.crt \
     server-crlrevoked.crt >/dev/null 2>&1; then
  echo "make-test-pki: the certificate revoked by the CRL directory verifies" >&2
  exit 1
fi
if openssl verify -purpose sslserver -CAfile new-root.crt -untrusted new-int.crt \
     server-clientauth.crt >/dev/null 2>&1; then
  echo "make-test-pki: the clientAuth-only certificate verifies for a TLS server" >&2
  exit 1
fi
if openssl verify -auth_level 1 -CAfile new-root.crt -untrusted new-int.crt server-sha1.crt \
     >/dev/null 2>&1; then
  echo "make-test-pki: the SHA-1 signed certificate verifies at security level 1" >&2
  exit 1
fi
if openssl verify -auth_level 2 -CAfile new-root.crt -untrusted new-int.crt server-rsa1024.crt \
     >/dev/null 2>&1; then
  echo "make-test-pki: the RSA 1024 certificate verifies at security level 2" >&2
  exit 1
fi
if openssl verify -CAfile new-root.crt -untrusted new-int.crt server-expired.crt >/dev/null 2>&1; then
  echo "make-test-pki: the expired certificate verifies" >&2
  exit 1
fi
echo "$version" > .done

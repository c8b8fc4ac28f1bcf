#!/bin/sh
# Regenerates the test CA and server certificates of tests/cli_causes.rs (run in
# this folder; needs the openssl command). Committed output:
#   ca.cert.pem          the test CA (trusted with --cacert / SSL_CERT_FILE)
#   server.{cert,key}.pem  for localhost and 127.0.0.1, signed by the CA, valid to 2125
#   expired.{cert,key}.pem for localhost and 127.0.0.1, signed by the CA, expired in 2021
#   other.{cert,key}.pem   for other.example only, signed by the CA
#   certdir/<hash>.0       the CA again, named for SSL_CERT_DIR
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/ca.key" -out ca.cert.pem \
  -days 36500 -subj "/CN=download-url test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

mkdir "$work/db"
: > "$work/db/index.txt"
echo 1000 > "$work/db/serial"
cat > "$work/ca.cnf" <<CNF
[ ca ]
default_ca = test
[ test ]
database = $work/db/index.txt
serial = $work/db/serial
new_certs_dir = $work/db
certificate = ca.cert.pem
private_key = $work/ca.key
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[ any ]
commonName = supplied
CNF

leaf() { # name subject-alt-names start end
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key.pem" -out "$work/$1.csr" \
    -subj "/CN=$1" -addext "subjectAltName=$2" 2>/dev/null
  openssl ca -batch -config "$work/ca.cnf" -in "$work/$1.csr" -out "$work/$1.full" \
    -startdate "$3" -enddate "$4" -notext 2>/dev/null
  openssl x509 -in "$work/$1.full" -out "$1.cert.pem"
}
leaf server "DNS:localhost,IP:127.0.0.1" 20250101000000Z 21250101000000Z
leaf expired "DNS:localhost,IP:127.0.0.1" 20200101000000Z 20210101000000Z
leaf other "DNS:other.example" 20250101000000Z 21250101000000Z

# SSL_CERT_DIR as OpenSSL reads it: the CA under its subject-hash name.
rm -rf certdir
mkdir certdir
cp ca.cert.pem "certdir/$(openssl x509 -hash -noout -in ca.cert.pem).0"

#!/bin/sh
# tests/env/tls-engine.sh DIR PORT - a TLS endpoint that demands a client
# certificate and answers /_ping like an engine, for the docker module's
# tcp:// + TLS test. Writes into DIR: ca.pem, cert.pem, key.pem (the
# client's, as DOCKER_CERT_PATH holds them), the server's pair, and pid.
# openssl s_server -HTTP serves files from DIR: "_ping" is a whole response.
set -eu
dir=$1 port=$2
mkdir -p "$dir"
cd "$dir"
q() { "$@" >/dev/null 2>&1; }
q openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=ukiyo-test-ca \
    -keyout ca-key.pem -out ca.pem
q openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server-key.pem -out server.csr
printf 'subjectAltName=IP:127.0.0.1\n' >server.ext
q openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 \
    -extfile server.ext -out server.pem
q openssl req -newkey rsa:2048 -nodes -subj /CN=ukiyo-test-client -keyout key.pem -out client.csr
q openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 \
    -out cert.pem
printf 'HTTP/1.0 200 OK\r\nApi-Version: 1.41\r\nContent-Type: text/plain\r\n\r\nOK' >_ping
nohup openssl s_server -quiet -accept "127.0.0.1:$port" -HTTP -cert server.pem \
    -key server-key.pem -CAfile ca.pem -Verify 1 >s_server.log 2>&1 &
echo $! >pid
# Listening once curl gets past "connection refused" (7), whatever the handshake says.
for _ in $(seq 1 50); do
    rc=0
    curl -sk --max-time 2 "https://127.0.0.1:$port/" >/dev/null 2>&1 || rc=$?
    [ "$rc" != 7 ] && exit 0
    sleep 0.1
done
echo "s_server did not listen on $port" >&2
exit 1

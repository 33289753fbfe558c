"""A small TLS-terminating reverse proxy for the tests: what nginx or Caddy does in front of `klinika serve`.

It answers https with a self-signed certificate made at test time and forwards each request
over plain HTTP to waitress, adding X-Forwarded-Proto: https and X-Forwarded-For, from a
source address of its own (so waitress can tell it apart from a client on 127.0.0.1).
"""
from __future__ import annotations

import datetime
import http.client
import ipaddress
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

# Hop-by-hop headers (RFC 9110 §7.6.1) stay on their side of the proxy; a client's own
# X-Forwarded-* headers are replaced, as a correctly configured proxy does.
_NOT_FORWARDED = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
                  "x-forwarded-proto", "x-forwarded-for", "x-forwarded-host", "x-forwarded-port", "forwarded"}


def self_signed_certificate(directory: Path, host: str = "localhost") -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "proxy-cert.pem", directory / "proxy-key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


class TlsProxy:
    def __init__(self, backend_port: int, cert_file: Path, key_file: Path, source_address: str = "127.0.0.2"):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _NOT_FORWARDED}
                headers.update({"X-Forwarded-Proto": "https", "X-Forwarded-For": self.client_address[0]})
                upstream = http.client.HTTPConnection("127.0.0.1", backend_port, timeout=60,
                                                      source_address=(source_address, 0))
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    data = answer.read()
                    self.send_response(answer.status, answer.reason)
                    for name, value in answer.getheaders():
                        if name.lower() not in _NOT_FORWARDED and name.lower() != "content-length":
                            self.send_header(name, value)
                finally:
                    upstream.close()
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                proxy.forwarded += 1

            do_GET = do_POST = do_HEAD = _forward

            def log_message(self, *args):
                pass

        self.forwarded = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

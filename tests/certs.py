"""A throwaway certificate authority for TLS tests, made with the `openssl` command (Dovecot depends on it).

The CA signs one server certificate for 127.0.0.1 (an IP subjectAltName, as a client checks it); the CA's
certificate is what an operator would give as `ca_file` for a self-hosted server with a private CA.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]


@dataclass(frozen=True)
class Authority:
    ca_file: Path  # the CA's certificate (PEM): what `ca_file` names
    cert_file: Path  # the server's certificate, signed by the CA
    key_file: Path  # the server's private key


def _openssl(*args: str) -> None:
    program = shutil.which("openssl")
    if program is None:
        raise RuntimeError("the openssl command is missing (it comes with dovecot-core's dependencies)")
    subprocess.run([program, *args], check=True, capture_output=True, timeout=60)


def make_authority(directory: Path, host: str = HOST) -> Authority:
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca_file = directory / "ca.key", directory / "ca.pem"
    key_file, request, cert_file = directory / "server.key", directory / "server.csr", directory / "server.pem"
    _openssl(
        "req", "-x509", *_KEY, "-keyout", str(ca_key), "-out", str(ca_file), "-days", "2",
        "-subj", "/CN=inbox-bot test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    _openssl("req", *_KEY, "-keyout", str(key_file), "-out", str(request), "-subj", f"/CN={host}")
    extensions = directory / "server.ext"
    extensions.write_text(
        f"subjectAltName = IP:{host}\nbasicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature\n"
        "extendedKeyUsage = serverAuth\n"
    )
    _openssl(
        "x509", "-req", "-in", str(request), "-CA", str(ca_file), "-CAkey", str(ca_key), "-CAcreateserial",
        "-out", str(cert_file), "-days", "2", "-extfile", str(extensions),
    )  # fmt: skip
    for path in (ca_file, cert_file, key_file):
        path.chmod(0o644)  # test keys only; Dovecot's processes may run as another user
    return Authority(ca_file=ca_file, cert_file=cert_file, key_file=key_file)

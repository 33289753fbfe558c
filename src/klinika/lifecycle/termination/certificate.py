"""Signed documents of a termination: the deletion certificate and the backup statement.

Each is canonical JSON (keys sorted, no spaces, UTF-8), Ed25519-signed by the vendor's
certificate key, which lives in the keystore like every other key (an owner of its own,
CERTIFICATE_KEY_OWNER). The file is exactly the canonical bytes of the signed document, so a
change of any one byte either breaks the JSON, leaves it non-canonical, or breaks the signature.

The PDF is the same certificate for people to read (Polish and English). It carries the signed
JSON as an embedded file (`certificate.json`), and the PDF's own bytes are signed too: a last line
`%klinika-signature:<key id>:<base64 signature>` (a PDF comment after %%EOF, which readers ignore)
signs every byte before it. `klinika certificate verify` checks both.
"""
import base64
import binascii
import io
import json
import re
import uuid
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from klinika.crypto import keystore

CERTIFICATE_FORMAT = "klinika-deletion-certificate/1"
STATEMENT_FORMAT = "klinika-backup-deletion-statement/1"
FORMATS = (CERTIFICATE_FORMAT, STATEMENT_FORMAT)
# The keystore owner of the vendor's certificate-signing key (the vendor's audit keys are UUID(int=0),
# test datasets' owners 1-3).
CERTIFICATE_KEY_OWNER = uuid.UUID("00000000-0000-0000-0000-0000000000ce")
PDF_ATTACHMENT = "certificate.json"
_PDF_MARK = b"%klinika-signature:"
_PDF_TRAILER = re.compile(rb"%klinika-signature:([0-9a-f-]{36}):([A-Za-z0-9+/=]+)\n\Z")


def canonical(document) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def signing_key():
    """(key id, Ed25519 private key) of the vendor's certificate key, made on first use."""
    keystore.ensure_owner_keys(CERTIFICATE_KEY_OWNER)
    return keystore.signing_private_key(CERTIFICATE_KEY_OWNER)


def published_keys() -> dict[str, bytes]:
    """Key id → raw Ed25519 public key: what `klinika certificate public-key` publishes."""
    keystore.ensure_owner_keys(CERTIFICATE_KEY_OWNER)
    return {str(key_id): key for key_id, key in keystore.signing_public_keys(CERTIFICATE_KEY_OWNER).items()}


def sign(document: dict) -> bytes:
    """The document signed: canonical JSON bytes with a `signature` member."""
    body = {k: v for k, v in document.items() if k != "signature"}
    key_id, private = signing_key()
    signature = private.sign(canonical(body))
    body["signature"] = {
        "algorithm": "Ed25519", "key_id": str(key_id),
        "public_key": base64.b64encode(keystore.public_key_bytes(private)).decode(),
        "value": base64.b64encode(signature).decode(),
    }
    return canonical(body)


def sign_pdf(pdf: bytes) -> bytes:
    key_id, private = signing_key()
    if not pdf.endswith(b"\n"):
        pdf += b"\n"
    return pdf + _PDF_MARK + f"{key_id}:".encode() + base64.b64encode(private.sign(pdf)) + b"\n"


@dataclass
class Verification:
    ok: bool = False
    kind: str = ""
    problems: list[str] = field(default_factory=list)
    document: dict | None = None

    def fail(self, problem: str) -> "Verification":
        self.ok = False
        self.problems.append(problem)
        return self


ANY_KEY_ID = "*"  # a trusted key given without its id (`certificate verify --public-key`)


def _trusted_key(key_id: str, trusted: dict[str, bytes] | None) -> bytes | None:
    keys = trusted if trusted is not None else published_keys()
    return keys.get(key_id) or keys.get(ANY_KEY_ID)


def verify(data: bytes, trusted: dict[str, bytes] | None = None) -> Verification:
    """Check a certificate or statement (JSON or PDF). `trusted`: key id → public key (default: the
    vendor's published keys from the keystore)."""
    if data.startswith(b"%PDF"):
        return _verify_pdf(data, trusted)
    return _verify_json(data, trusted)


def _verify_json(data: bytes, trusted) -> Verification:
    result = Verification(kind="json")
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return result.fail(f"not a JSON certificate ({exc})")
    if not isinstance(document, dict) or not isinstance(document.get("signature"), dict):
        return result.fail("no signature member: not a signed klinika certificate")
    result.document = document
    result.kind = str(document.get("format", ""))
    if result.kind not in FORMATS:
        return result.fail(f"unknown format {result.kind!r}; expected one of {', '.join(FORMATS)}")
    if canonical(document) != data:
        return result.fail("the file is not in its signed canonical form: it was changed after signing")
    signature = document["signature"]
    if set(signature) != {"algorithm", "key_id", "public_key", "value"} or signature["algorithm"] != "Ed25519":
        return result.fail("the signature member is malformed (Ed25519: key_id, public_key, value)")
    body = {k: v for k, v in document.items() if k != "signature"}
    try:
        claimed = _b64(signature["public_key"])
        value = _b64(signature["value"])
        key_id = str(signature["key_id"])
    except (KeyError, TypeError, binascii.Error):
        return result.fail("the signature member is malformed")
    key = _trusted_key(key_id, trusted)
    if key is None:
        return result.fail(f"signed by key {key_id}, which is not a published vendor certificate key")
    if key != claimed:
        return result.fail(f"the public key in the file is not the published key {key_id}")
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(value, canonical(body))
    except (InvalidSignature, ValueError):
        return result.fail("the signature does not match the content: the certificate was altered")
    result.ok = True
    return result


def embedded_json(pdf: bytes) -> bytes | None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        attachments = PdfReader(io.BytesIO(pdf)).attachments
    except (PyPdfError, ValueError, KeyError, TypeError):
        return None
    found = attachments.get(PDF_ATTACHMENT)
    return found[0] if found else None


def _verify_pdf(data: bytes, trusted) -> Verification:
    result = Verification(kind="pdf")
    start = data.rfind(_PDF_MARK)
    match = _PDF_TRAILER.fullmatch(data[start:]) if start > 0 else None
    if match is None:
        return result.fail("the PDF has no klinika signature line at its end (or it was altered)")
    signed, key_id = data[:start], match.group(1).decode()
    key = _trusted_key(key_id, trusted)
    if key is None:
        return result.fail(f"the PDF is signed by key {key_id}, which is not a published vendor certificate key")
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(_b64(match.group(2).decode()), signed)
    except (InvalidSignature, ValueError, binascii.Error):
        return result.fail("the PDF's signature does not match its bytes: the PDF was altered")
    inner = embedded_json(signed)
    if inner is None:
        return result.fail(f"the PDF carries no embedded {PDF_ATTACHMENT}")
    embedded = _verify_json(inner, trusted)
    if not embedded.ok:
        return result.fail("the embedded certificate: " + "; ".join(embedded.problems))
    result.kind, result.document, result.ok = embedded.kind, embedded.document, True
    return result


def _b64(text) -> bytes:
    """Strict base64: the one encoding of its bytes (spare bits zero), so no character can change unseen."""
    raw = base64.b64decode(text, validate=True)
    if base64.b64encode(raw).decode() != text:
        raise binascii.Error("not canonical base64")
    return raw


def public_key_text(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def parse_public_key(text: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except binascii.Error:
        raw = b""
    if len(raw) != 32:
        raise ValueError("--public-key takes the base64 key printed by `klinika certificate public-key` "
                         "(32 bytes, 44 characters)")
    return raw

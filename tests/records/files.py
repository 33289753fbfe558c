"""Small files of each kind, generated (never a real document)."""
import io

from django.core.files.uploadedfile import SimpleUploadedFile

SECRET = b"Wynik: HCV dodatni - pacjentka Zofia Wojcik-Lecka"


def pdf(text: bytes = SECRET, padding: int = 0) -> bytes:
    body = b"BT /F1 12 Tf 72 712 Td (" + text + b") Tj ET" + b" " * padding
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"4 0 obj << /Length " + str(len(body)).encode() + b" >> stream\n" + body + b"\nendstream endobj\n%%EOF\n")


def png() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))


def jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(64)) + b"\xff\xd9"


def exe() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"This program cannot be run in DOS mode" + bytes(64)


def upload(content: bytes, name="wynik.pdf", content_type="application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def as_post_file(content: bytes, name="wynik.pdf") -> io.BytesIO:
    handle = io.BytesIO(content)
    handle.name = name
    return handle

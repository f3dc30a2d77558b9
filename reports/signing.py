"""Signs package PDFs with the vendor's certificate: PAdES B-B (B-T with a timestamp server), a certification
signature that forbids later changes, and the package manifest embedded as `manifest.json` under the signature.

The identity is a PKCS#12 file in production; otherwise a self-signed CA and a signing certificate are generated
once under SIGNING_DIR and reused. Nothing here touches the database."""

import fcntl
import functools
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.pdf_utils import embed, generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

SIGNATURE_FIELD = "TrustpackSignature"
MANIFEST_NAME = "manifest.json"
MANIFEST_DESCRIPTION = "Trustpack package manifest, SHA-256 "
# RFC 9336 id-kp-documentSigning; emailProtection rides along because Acrobat does not know the new OID yet.
DOCUMENT_SIGNING_OID = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
CA_VALIDITY = timedelta(days=3652)
SIGNER_VALIDITY = timedelta(days=1096)


@dataclass(frozen=True)
class SignedPdf:
    content: bytes
    sha256: str
    signed_at: datetime  # UTC, as recorded in the signature dictionary (/M)
    certificate_fingerprint: str
    manifest_sha256: str
    level: str  # "B-B" or "B-T"


@dataclass(frozen=True)
class SigningIdentity:
    signer: signers.SimpleSigner
    certificate: asn1_x509.Certificate
    chain: tuple[asn1_x509.Certificate, ...]  # issuers of `certificate`, nearest first; the last is the root we publish

    @property
    def ca_certificate(self) -> asn1_x509.Certificate:
        return self.chain[-1] if self.chain else self.certificate

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.certificate.dump()).hexdigest()

    @property
    def ca_pem(self) -> bytes:
        return asn1_pem.armor("CERTIFICATE", self.ca_certificate.dump())


@dataclass(frozen=True)
class _Config:
    signing_dir: str
    pkcs12_path: str
    pkcs12_passphrase: str
    vendor: str


def _config() -> _Config:
    return _Config(
        signing_dir=str(getattr(settings, "SIGNING_DIR", Path(settings.BASE_DIR) / "var" / "signing")),
        pkcs12_path=str(getattr(settings, "SIGNING_PKCS12_PATH", "") or ""),
        pkcs12_passphrase=str(getattr(settings, "SIGNING_PKCS12_PASSPHRASE", "") or ""),
        vendor=str(getattr(settings, "TRUSTPACK_VENDOR_NAME", "Trustpack demo vendor")),
    )


def signing_identity() -> SigningIdentity:
    """The process-wide signing identity: the configured PKCS#12, else the CA and signer kept under SIGNING_DIR."""
    return _identity_for(_config())


@functools.lru_cache(maxsize=8)
def _identity_for(config: _Config) -> SigningIdentity:
    if config.pkcs12_path:
        return _load_pkcs12(config.pkcs12_path, config.pkcs12_passphrase)
    return _load_or_create_embedded(Path(config.signing_dir), config.vendor)


def ca_certificate_pem() -> bytes:
    """The PEM certificate verifiers should trust: our generated CA, or the top of the PKCS#12 chain."""
    return signing_identity().ca_pem


def certificate_fingerprint() -> str:
    """SHA-256 (hex) of the DER signing certificate, as stored beside every issued PDF."""
    return signing_identity().fingerprint


def trust_roots() -> list[asn1_x509.Certificate]:
    """Every root a signature may chain to: our CA plus each PEM/DER file listed in SIGNING_TRUST_ROOTS."""
    roots = [signing_identity().ca_certificate]
    for path in getattr(settings, "SIGNING_TRUST_ROOTS", []) or []:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise ImproperlyConfigured(f"SIGNING_TRUST_ROOTS: cannot read {path}: {exc.strerror}") from exc
        roots.extend(_certificates_from(data, source=str(path)))
    return roots


def timestamper() -> HTTPTimeStamper | None:
    """The RFC 3161 client used for B-T signatures, or None (B-B) when SIGNING_TIMESTAMP_URL is empty."""
    url = getattr(settings, "SIGNING_TIMESTAMP_URL", "") or ""
    return HTTPTimeStamper(url, timeout=10) if url else None


def manifest_bytes(manifest: dict) -> bytes:
    """The canonical encoding of a manifest (sorted keys, compact, UTF-8): equal dicts always give equal bytes."""
    return json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def manifest_sha256(manifest: dict) -> str:
    """SHA-256 (hex) of `manifest_bytes(manifest)`: the hash printed on the cover and checked by verification."""
    return hashlib.sha256(manifest_bytes(manifest)).hexdigest()


def sign_pdf(pdf: bytes, *, manifest: dict, reason: str = "Approved security answers", location: str = "") -> SignedPdf:
    """Return `pdf` with the manifest attached and one certifying PAdES signature covering both and the whole file."""
    identity = signing_identity()
    payload = manifest_bytes(manifest)
    payload_sha256 = hashlib.sha256(payload).hexdigest()
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    if MANIFEST_NAME in _attachment_names(writer.root):
        raise ValueError(f"The PDF already carries a {MANIFEST_NAME} attachment.")
    _attach_manifest(writer, payload, payload_sha256)

    stamper = timestamper()
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        reason=reason or None,
        location=location or None,
        subfilter=fields.SigSeedSubFilter.PADES,
        # A certification signature with "no changes" makes any later revision a DocMDP violation as well.
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    # The attachment was added to this writer, so it lands in the very revision the signature covers.
    output = signers.sign_pdf(writer, meta, signer=identity.signer, timestamper=stamper)
    content = output.getvalue()
    return SignedPdf(
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        signed_at=_signing_time(content),
        certificate_fingerprint=identity.fingerprint,
        manifest_sha256=payload_sha256,
        level="B-T" if stamper else "B-B",
    )


def _attach_manifest(writer: IncrementalPdfFileWriter, payload: bytes, payload_sha256: str) -> None:
    now = datetime.now(UTC)
    data = embed.EmbeddedFileObject.from_file_data(
        writer,
        data=payload,
        mime_type="application/json",
        params=embed.EmbeddedFileParams(embed_size=True, creation_date=now, modification_date=now),
    )
    spec = embed.FileSpec(
        file_spec_string=MANIFEST_NAME,
        file_name=MANIFEST_NAME,
        embedded_data=data,
        description=MANIFEST_DESCRIPTION + payload_sha256,
        af_relationship=generic.pdf_name("/Data"),
    )
    embed.embed_file(writer, spec)


def _attachment_names(root) -> list[str]:
    """Names in the catalogue's flat EmbeddedFiles name tree (the shape `embed_file` writes)."""
    try:
        names = root["/Names"]["/EmbeddedFiles"]["/Names"]
    except (KeyError, TypeError):
        return []
    return [str(names[i]) for i in range(0, len(names) - 1, 2)]


def _signing_time(content: bytes) -> datetime:
    # pyHanko picks the signing time internally; read it back so the stored time equals what verifiers show.
    signature = PdfFileReader(BytesIO(content)).embedded_signatures[-1]
    return signature.self_reported_timestamp.astimezone(UTC)


def _identity(key_der: bytes, cert: asn1_x509.Certificate, chain: list[asn1_x509.Certificate]) -> SigningIdentity:
    signer = signers.SimpleSigner(
        signing_cert=cert,
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([cert, *chain]),
    )
    return SigningIdentity(signer=signer, certificate=cert, chain=tuple(chain))


def _to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _pkcs8(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _certificates_from(data: bytes, *, source: str) -> list[asn1_x509.Certificate]:
    try:
        if asn1_pem.detect(data):
            return [asn1_x509.Certificate.load(der) for _, _, der in asn1_pem.unarmor(data, multiple=True)]
        return [asn1_x509.Certificate.load(data)]
    except ValueError as exc:
        raise ImproperlyConfigured(f"{source} holds no readable certificate.") from exc


def _load_pkcs12(path: str, passphrase: str) -> SigningIdentity:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ImproperlyConfigured(f"SIGNING_PKCS12_PATH: cannot read {path}: {exc.strerror}") from exc
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, passphrase.encode() or None)
    except ValueError as exc:
        # Deliberately vague: the passphrase must not leak into logs through the message.
        raise ImproperlyConfigured(f"SIGNING_PKCS12_PATH: {path} cannot be opened with the given passphrase.") from exc
    if key is None or cert is None:
        raise ImproperlyConfigured(f"SIGNING_PKCS12_PATH: {path} lacks a private key or its certificate.")
    return _identity(_pkcs8(key), _to_asn1(cert), _chain_of(cert, extra))


def _chain_of(cert: x509.Certificate, pool: list[x509.Certificate]) -> list[asn1_x509.Certificate]:
    """Issuers of `cert` found in `pool`, nearest first; a PKCS#12 need not list them in order."""
    chain: list[asn1_x509.Certificate] = []
    current = cert
    remaining = list(pool)
    while current.issuer != current.subject:
        issuer = next((c for c in remaining if c.subject == current.issuer), None)
        if issuer is None:
            break
        remaining.remove(issuer)
        chain.append(_to_asn1(issuer))
        current = issuer
    return chain


def _load_or_create_embedded(directory: Path, vendor: str) -> SigningIdentity:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    files = {name: directory / name for name in ("ca.pem", "ca-key.pem", "signer.pem", "signer-key.pem")}
    # One lock per directory: two processes starting at once must not each mint a different CA.
    lock_fd = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
        present = {name for name, path in files.items() if path.exists()}
        if not present:
            _write_new_ca(files, vendor)
            present = {"ca.pem", "ca-key.pem"}
        if present == {"ca.pem", "ca-key.pem"}:
            _write_new_signer(files, vendor)
        elif present != set(files):
            missing = ", ".join(sorted(set(files) - present))
            raise ImproperlyConfigured(
                f"{directory} is incomplete (missing {missing}); restore it rather than mint a new CA "
                "that no issued PDF chains to."
            )
        ca = x509.load_pem_x509_certificate(files["ca.pem"].read_bytes())
        cert = x509.load_pem_x509_certificate(files["signer.pem"].read_bytes())
        key = serialization.load_pem_private_key(files["signer-key.pem"].read_bytes(), password=None)
    finally:
        os.close(lock_fd)  # closing the descriptor releases the flock
    return _identity(_pkcs8(key), _to_asn1(cert), [_to_asn1(ca)])


def _write_new_ca(files: dict[str, Path], vendor: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(vendor, "Document Signing CA")
    now = datetime.now(UTC)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_file(files["ca-key.pem"], _private_pem(key), private=True)
    _write_file(files["ca.pem"], cert.public_bytes(serialization.Encoding.PEM), private=False)


def _write_new_signer(files: dict[str, Path], vendor: str) -> None:
    ca = x509.load_pem_x509_certificate(files["ca.pem"].read_bytes())
    ca_key = serialization.load_pem_private_key(files["ca-key.pem"].read_bytes(), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    ca_ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(vendor, "package signing"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        # A signer outliving its CA would fail path validation in its last years.
        .not_valid_after(min(now + SIGNER_VALIDITY, ca.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([DOCUMENT_SIGNING_OID, ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write_file(files["signer-key.pem"], _private_pem(key), private=True)
    _write_file(files["signer.pem"], cert.public_bytes(serialization.Encoding.PEM), private=False)


def _name(vendor: str, suffix: str) -> x509.Name:
    # X.509 caps CN and O at 64 characters; a long vendor name is cut rather than refused.
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, vendor[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{vendor[: 63 - len(suffix)]} {suffix}"),
        ]
    )


def _key_usage(**enabled: bool) -> x509.KeyUsage:
    flags = dict.fromkeys(
        (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ),
        False,
    )
    return x509.KeyUsage(**(flags | enabled))


def _private_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write_file(path: Path, data: bytes, *, private: bool) -> None:
    """Write via a temporary file created with its final mode, then rename, so no reader sees a partial file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)  # left by a crashed run with the same pid; we hold the directory lock
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise

"""Signing and verification of package PDFs: what a recipient can rely on, and the tampering they would catch."""

import hashlib
import json
import os
import stat
import threading
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from pyhanko.pdf_utils import embed, generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation.pdf_embedded import read_certification_data
from pypdf import PdfReader, PdfWriter
from pypdf.annotations import FreeText
from weasyprint import HTML

from reports import signing
from reports.verification import MAX_BYTES, verify_pdf

SENTENCE = "Device data is encrypted in transit with TLS 1.2 or later."
VENDOR = "Kestrel Test Vendor"
MANIFEST = {
    "format": "trustpack-package-manifest/1",
    "package": "TP-2026-0042",
    "revision": 1,
    "customer": "Acme Manufacturing — Zürich",
    "answers": [{"ref": "CEK-03.1", "library_key": "encryption-in-transit", "version_id": 7}],
    "documents": [],
}


@pytest.fixture(scope="module")
def signing_dir(tmp_path_factory):
    """One embedded identity for the module: generating keys per test would be wasted time."""
    directory = tmp_path_factory.mktemp("identity") / "signing"
    with override_settings(
        SIGNING_DIR=directory,
        SIGNING_PKCS12_PATH="",
        SIGNING_PKCS12_PASSPHRASE="",
        SIGNING_TIMESTAMP_URL="",
        SIGNING_TRUST_ROOTS=[],
        TRUSTPACK_VENDOR_NAME=VENDOR,
    ):
        yield directory


@pytest.fixture(autouse=True)
def _module_identity(settings, signing_dir):
    # The suite-wide fixture points every test at a shared throwaway CA; these tests use their own.
    settings.SIGNING_DIR = signing_dir
    settings.TRUSTPACK_VENDOR_NAME = VENDOR


@pytest.fixture(scope="module")
def source_pdf():
    return HTML(string=f"<h1>Security answers</h1><p>{SENTENCE}</p>").write_pdf()


@pytest.fixture(scope="module")
def signed(signing_dir, source_pdf):
    return signing.sign_pdf(source_pdf, manifest=MANIFEST, location="Utrecht")


def _problems(data: bytes) -> str:
    result = verify_pdf(data)
    assert not result.ok
    assert result.problems
    return " ".join(result.problems)


def test_signed_pdf_verifies_with_signer_manifest_and_readable_text(signed):
    result = verify_pdf(signed.content)

    assert result.ok, result.problems
    assert result.problems == []
    assert result.signer == f"{VENDOR} package signing"
    assert result.manifest == MANIFEST
    canonical = json.dumps(MANIFEST, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert result.manifest_sha256 == signed.manifest_sha256 == hashlib.sha256(canonical).hexdigest()
    assert result.level == signed.level == "B-B"
    assert result.certificate_fingerprint == signed.certificate_fingerprint == signing.certificate_fingerprint()
    assert result.signed_at == signed.signed_at
    assert abs(datetime.now(UTC) - signed.signed_at) < timedelta(minutes=1)
    assert signed.sha256 == hashlib.sha256(signed.content).hexdigest()
    reader = PdfReader(BytesIO(signed.content))
    assert SENTENCE in reader.pages[0].extract_text()
    assert reader.attachments["manifest.json"] == [canonical]


def test_signature_certifies_the_document_against_any_change(signed):
    certification = read_certification_data(PdfFileReader(BytesIO(signed.content)))

    assert certification is not None
    assert certification.permission == MDPPerm.NO_CHANGES


def test_key_files_are_private_and_a_second_use_reuses_the_ca(settings, tmp_path):
    settings.SIGNING_DIR = tmp_path / "signing"
    first = signing.signing_identity()
    signing._identity_for.cache_clear()  # a new process: nothing cached, only the files remain
    second = signing.signing_identity()

    assert stat.S_IMODE(os.stat(tmp_path / "signing").st_mode) == 0o700
    for name in ("ca-key.pem", "signer-key.pem"):
        assert stat.S_IMODE(os.stat(tmp_path / "signing" / name).st_mode) == 0o600
    assert second is not first
    assert second.ca_pem == first.ca_pem
    assert second.fingerprint == first.fingerprint


def test_concurrent_first_use_produces_one_ca(settings, tmp_path):
    settings.SIGNING_DIR = tmp_path / "signing"
    signing._identity_for.cache_clear()
    identities = []
    threads = [threading.Thread(target=lambda: identities.append(signing.signing_identity())) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({identity.ca_pem for identity in identities}) == 1
    assert len({identity.fingerprint for identity in identities}) == 1


def test_incomplete_identity_directory_is_refused_rather_than_replaced(settings, tmp_path):
    settings.SIGNING_DIR = tmp_path / "signing"
    signing.signing_identity()
    (tmp_path / "signing" / "ca-key.pem").unlink()
    signing._identity_for.cache_clear()

    with pytest.raises(ImproperlyConfigured, match=r"ca-key\.pem"):
        signing.signing_identity()


def test_flipped_byte_inside_signed_range_is_caught(signed):
    tampered = bytearray(signed.content)
    position = tampered.index(b"WeasyPrint")  # the producer string of the original revision, well inside ByteRange
    tampered[position] ^= 0x01

    assert "altered after signing" in _problems(bytes(tampered))


def test_incremental_title_change_is_caught(signed):
    writer = PdfWriter(BytesIO(signed.content), incremental=True)
    writer.add_metadata({"/Title": "Harmless new title"})
    out = BytesIO()
    writer.write(out)

    assert out.getvalue().startswith(signed.content)  # a genuine append: every signed byte is untouched
    assert "changed after signing" in _problems(out.getvalue())


def test_incremental_annotation_is_caught(signed):
    writer = PdfWriter(BytesIO(signed.content), incremental=True)
    writer.add_annotation(page_number=0, annotation=FreeText(text="All answers: Yes", rect=(50, 50, 250, 100)))
    out = BytesIO()
    writer.write(out)

    assert out.getvalue().startswith(signed.content)
    assert "changed after signing" in _problems(out.getvalue())


def test_replaced_manifest_attachment_is_caught(signed):
    writer = IncrementalPdfFileWriter(BytesIO(signed.content))
    spec = writer.root["/Names"]["/EmbeddedFiles"]["/Names"][1]
    forged = embed.EmbeddedFileObject.from_file_data(writer, data=b'{"package":"TP-FORGED"}')
    spec["/EF"] = generic.DictionaryObject({generic.pdf_name("/F"): forged.ef_stream_ref})
    writer.update_container(spec)
    out = BytesIO()
    writer.write(out)

    problems = _problems(out.getvalue())
    assert "changed after signing" in problems
    assert "manifest attachment was replaced" in problems


def test_bytes_appended_after_the_signed_part_are_caught(signed):
    assert "does not cover the whole file" in _problems(signed.content + b"\n% appended after signing\n")


def test_trusted_signature_without_manifest_is_rejected(signing_dir, source_pdf):
    meta = signers.PdfSignatureMetadata(field_name="Bare", subfilter=SigSeedSubFilter.PADES)
    bare = signers.sign_pdf(
        IncrementalPdfFileWriter(BytesIO(source_pdf)), meta, signer=signing.signing_identity().signer
    )

    result = verify_pdf(bare.getvalue())

    assert result.problems == ["The signed PDF has no manifest.json attachment."]


def test_pdf_signed_by_another_certificate_is_untrusted(settings, tmp_path, signing_dir, source_pdf):
    settings.SIGNING_DIR = tmp_path / "impostor"
    forged = signing.sign_pdf(source_pdf, manifest=MANIFEST)
    settings.SIGNING_DIR = signing_dir

    result = verify_pdf(forged.content)

    assert not result.ok
    assert len(result.problems) == 1  # intact and whole: trust is the only thing wrong
    assert "does not chain to a trusted root" in result.problems[0]


def test_configured_trust_roots_are_honoured(settings, tmp_path, signing_dir, source_pdf):
    settings.SIGNING_DIR = tmp_path / "partner"
    partner_ca = signing.ca_certificate_pem()
    partner_signed = signing.sign_pdf(source_pdf, manifest=MANIFEST)
    (tmp_path / "partner-ca.pem").write_bytes(partner_ca)
    settings.SIGNING_DIR = signing_dir
    settings.SIGNING_TRUST_ROOTS = [str(tmp_path / "partner-ca.pem")]

    assert len(signing.trust_roots()) == 2
    assert verify_pdf(partner_signed.content).ok


def test_unsigned_pdf_is_rejected(signing_dir, source_pdf):
    assert "not signed" in _problems(source_pdf)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        os.urandom(4096),
        b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF",
        b"%PDF-1.7\n" + os.urandom(2048),
    ],
    ids=["empty", "random", "skeleton", "pdf-header-then-noise"],
)
def test_garbage_becomes_a_problem_not_an_exception(signing_dir, data):
    _problems(data)


def test_truncated_signed_pdf_becomes_a_problem(signed):
    _problems(signed.content[: len(signed.content) // 2])


def test_oversized_input_is_refused_before_parsing(signing_dir):
    assert "larger than 20 MB" in _problems(b"%PDF-1.7\n" + b"0" * MAX_BYTES)


def _certificate_builder(subject, issuer, public_key, *, is_ca, usages):
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        .add_extension(signing._key_usage(**usages), critical=True)
    )


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@pytest.fixture(scope="module")
def external_ca():
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate_builder(
        _name("External Root"),
        _name("External Root"),
        key.public_key(),
        is_ca=True,
        usages={"key_cert_sign": True},
    ).sign(key, hashes.SHA256())
    return key, cert


def test_pkcs12_identity_loads_from_settings_and_signs(settings, tmp_path, external_ca, source_pdf):
    ca_key, ca_cert = external_ca
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate_builder(
        _name("Production Signer"),
        ca_cert.subject,
        key.public_key(),
        is_ca=False,
        usages={"digital_signature": True, "content_commitment": True},
    ).sign(ca_key, hashes.SHA256())
    bundle = pkcs12.serialize_key_and_certificates(
        b"signer", key, cert, [ca_cert], serialization.BestAvailableEncryption(b"correct horse")
    )
    (tmp_path / "signer.p12").write_bytes(bundle)
    settings.SIGNING_DIR = tmp_path / "unused"
    settings.SIGNING_PKCS12_PATH = str(tmp_path / "signer.p12")
    settings.SIGNING_PKCS12_PASSPHRASE = "correct horse"

    result = verify_pdf(signing.sign_pdf(source_pdf, manifest=MANIFEST).content)

    assert result.ok, result.problems
    assert result.signer == "Production Signer"
    assert signing.ca_certificate_pem() == ca_cert.public_bytes(serialization.Encoding.PEM)
    assert signing.certificate_fingerprint() == cert.fingerprint(hashes.SHA256()).hex()
    assert not (tmp_path / "unused").exists()  # production never mints its own CA


def test_pkcs12_with_wrong_passphrase_fails_without_echoing_it(settings, tmp_path, external_ca):
    ca_key, ca_cert = external_ca
    bundle = pkcs12.serialize_key_and_certificates(
        b"ca", ca_key, ca_cert, None, serialization.BestAvailableEncryption(b"right one")
    )
    (tmp_path / "ca.p12").write_bytes(bundle)
    settings.SIGNING_PKCS12_PATH = str(tmp_path / "ca.p12")
    settings.SIGNING_PKCS12_PASSPHRASE = "wrong secret"

    with pytest.raises(ImproperlyConfigured) as caught:
        signing.signing_identity()
    assert "wrong secret" not in str(caught.value)


def test_timestamp_url_configures_a_b_t_stamper(settings):
    settings.SIGNING_TIMESTAMP_URL = ""
    assert signing.timestamper() is None

    settings.SIGNING_TIMESTAMP_URL = "https://tsa.example.test/rfc3161"
    stamper = signing.timestamper()

    assert isinstance(stamper, HTTPTimeStamper)
    assert stamper.url == "https://tsa.example.test/rfc3161"


def test_timestamped_signature_is_level_b_t(monkeypatch, signing_dir, signed, source_pdf, external_ca):
    # An in-process TSA stands in for the network; its root is the external CA, listed as a trusted root.
    ca_key, ca_cert = external_ca
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's test TSA signs RSA only
    tsa_cert = (
        _certificate_builder(
            _name("Test TSA"), ca_cert.subject, tsa_key.public_key(), is_ca=False, usages={"digital_signature": True}
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    stamper = DummyTimeStamper(
        tsa_cert=signing._to_asn1(tsa_cert),
        tsa_key=signing.asn1_keys.PrivateKeyInfo.load(signing._pkcs8(tsa_key)),
        certs_to_embed=[signing._to_asn1(ca_cert)],
    )
    monkeypatch.setattr(signing, "timestamper", lambda: stamper)
    ca_file = signing_dir.parent / "external-ca.pem"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))

    stamped = signing.sign_pdf(source_pdf, manifest=MANIFEST)
    with override_settings(SIGNING_TRUST_ROOTS=[str(ca_file)]):
        result = verify_pdf(stamped.content)

    assert stamped.level == result.level == "B-T"
    assert result.ok, result.problems

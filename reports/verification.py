"""Checks a package PDF the way its recipient would: exactly one intact, trusted signature over the whole file,
and the manifest attachment inside what it signed. Hostile input yields problem sentences, never exceptions."""

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from fileformats.uploads import SIGNED_PDF

from .signing import MANIFEST_DESCRIPTION, MANIFEST_NAME, manifest_bytes, trust_roots

logger = logging.getLogger(__name__)

MAX_BYTES = SIGNED_PDF.max_bytes
PADES_SUBFILTER = "/ETSI.CAdES.detached"


@dataclass
class Verification:
    ok: bool = False
    problems: list[str] = field(default_factory=list)  # most important first
    signer: str = ""
    signed_at: datetime | None = None
    certificate_fingerprint: str = ""
    manifest: dict | None = None
    manifest_sha256: str = ""
    level: str = ""  # "B-B", "B-T", or "" when the signature is not PAdES or could not be read


def verify_pdf(data: bytes) -> Verification:
    """Judge `data`: `ok` is True only if every check passed; otherwise `problems` says why, and nothing is raised."""
    result = Verification()
    if not isinstance(data, bytes | bytearray | memoryview):
        result.problems.append("No file was given.")
        return result
    if len(data) > MAX_BYTES:
        result.problems.append(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB, so it was not checked.")
        return result
    roots = trust_roots()  # outside the guard: a misconfigured server is an operator's error, not the file's
    try:
        _check(bytes(data), roots, result)
    except Exception:  # hostile files reach parser paths nobody listed; each must end as a sentence, not a 500
        logger.info("verify_pdf: unreadable input", exc_info=True)
        result.problems.append("The file is damaged or is not a PDF that can be checked.")
    result.ok = not result.problems
    return result


def _check(data: bytes, roots: list, result: Verification) -> None:
    try:
        reader = PdfFileReader(BytesIO(data))
    except Exception:
        logger.info("verify_pdf: not a PDF", exc_info=True)
        result.problems.append("The file is not a readable PDF.")
        return
    if reader.encrypted:
        result.problems.append("The PDF is encrypted; Trustpack packages never are.")
        return
    signatures = reader.embedded_signatures
    if not signatures:
        result.problems.append("The PDF is not signed.")
        return
    if len(signatures) > 1:
        result.problems.append(
            f"The PDF carries {len(signatures)} signatures; a Trustpack package carries exactly one."
        )
        return
    signature = signatures[0]
    if signature.sig_object_type != "/Sig":
        result.problems.append("The PDF carries only a document timestamp, not a signature.")
        return

    _describe_signer(signature, result)
    try:
        status = validate_pdf_signature(signature, signer_validation_context=ValidationContext(trust_roots=roots))
    except Exception:  # pyHanko raises its own errors, ValueError and KeyError alike on malformed CMS
        logger.info("verify_pdf: signature could not be evaluated", exc_info=True)
        result.problems.append("The signature is malformed and could not be checked.")
        return
    result.level = _level(signature, status)
    timestamp = status.timestamp_validity
    if timestamp is not None and timestamp.intact and timestamp.valid:
        result.signed_at = timestamp.timestamp.astimezone(UTC)

    _check_integrity(reader, signature, status, result)
    _check_trust(status, result)
    _check_manifest(reader, signature, result)


def _describe_signer(signature: EmbeddedPdfSignature, result: Verification) -> None:
    cert = signature.signer_cert
    subject = cert.subject.native
    common_name = str(subject.get("common_name", ""))
    organisation = str(subject.get("organization_name", ""))
    result.signer = common_name if organisation in common_name else f"{common_name}, {organisation}".strip(", ")
    result.certificate_fingerprint = hashlib.sha256(cert.dump()).hexdigest()
    reported = signature.self_reported_timestamp
    result.signed_at = reported.astimezone(UTC) if reported else None


def _level(signature: EmbeddedPdfSignature, status: PdfSignatureStatus) -> str:
    if signature.sig_object.get("/SubFilter") != PADES_SUBFILTER:
        return ""
    return "B-T" if status.timestamp_validity is not None else "B-B"


def _check_integrity(
    reader: PdfFileReader, signature: EmbeddedPdfSignature, status: PdfSignatureStatus, result: Verification
) -> None:
    if not status.intact:
        result.problems.append("The document was altered after signing: its signed content no longer matches.")
    elif not status.valid:
        result.problems.append("The signature value is invalid for this document.")
    later = reader.total_revisions - 1 - signature.signed_revision
    # bottom_line tolerates "allowed" incremental updates; a package must be byte-for-byte what was signed.
    if later > 0:
        result.problems.append(
            f"The file was changed after signing: {later} incremental "
            f"{'updates follow' if later > 1 else 'update follows'} the signed version."
        )
    elif status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        result.problems.append("The signature does not cover the whole file: data was added after the signed part.")
    elif status.docmdp_ok is False:
        result.problems.append("The file contains changes that its certification signature forbids.")


def _check_trust(status: PdfSignatureStatus, result: Verification) -> None:
    if status.intact and status.valid and not status.trusted:
        result.problems.append(
            f"The signing certificate ({result.signer or 'unknown signer'}) does not chain to a trusted root; "
            "it was not issued by this vendor's signing CA."
        )
    timestamp = status.timestamp_validity
    if timestamp is not None and not (timestamp.intact and timestamp.valid and timestamp.trusted):
        result.problems.append("The signature's timestamp is invalid or issued by an untrusted timestamp authority.")


def _check_manifest(reader: PdfFileReader, signature: EmbeddedPdfSignature, result: Verification) -> None:
    signed_root = reader.get_historical_resolver(signature.signed_revision).root
    found = _manifest_attachment(signed_root)
    if isinstance(found, str):
        result.problems.append(found)
        return
    payload, claimed_sha256 = found
    result.manifest_sha256 = hashlib.sha256(payload).hexdigest()
    if reader.total_revisions - 1 > signature.signed_revision:
        current = _manifest_attachment(reader.root)
        if isinstance(current, str) or current[0] != payload:
            result.problems.append("The manifest attachment was replaced or removed after signing.")
    try:
        manifest = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        result.problems.append("The signed manifest is not valid JSON.")
        return
    if not isinstance(manifest, dict):
        result.problems.append("The signed manifest is not a JSON object.")
        return
    result.manifest = manifest
    if claimed_sha256 != result.manifest_sha256:
        result.problems.append("The signed manifest does not match the SHA-256 recorded beside it.")
    elif manifest_bytes(manifest) != payload:
        result.problems.append("The signed manifest is not in canonical form, so its hash cannot be reproduced.")


def _manifest_attachment(root) -> tuple[bytes, str] | str:
    """The manifest's bytes and the SHA-256 claimed in its description, or a sentence saying what is wrong."""
    try:
        names = root["/Names"]["/EmbeddedFiles"]["/Names"]
    except (KeyError, TypeError):
        return f"The signed PDF has no {MANIFEST_NAME} attachment."
    specs = [names[i + 1] for i in range(0, len(names) - 1, 2) if str(names[i]) == MANIFEST_NAME]
    if not specs:
        return f"The signed PDF has no {MANIFEST_NAME} attachment."
    if len(specs) > 1:
        return f"The signed PDF has more than one {MANIFEST_NAME} attachment."
    spec = specs[0]
    try:
        payload = spec["/EF"]["/F"].data
    except (KeyError, TypeError, AttributeError):
        return f"The {MANIFEST_NAME} attachment has no content."
    description = str(spec.get("/Desc", ""))
    claimed = description.removeprefix(MANIFEST_DESCRIPTION) if description.startswith(MANIFEST_DESCRIPTION) else ""
    return payload, claimed

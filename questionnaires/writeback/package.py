"""What every writer shares: the refusal, the bounds, and a zip rewritten with some members replaced and every
other member carried over as it was."""

import io
import re
import zipfile

# The customer's file is untrusted: bound what a zip bomb could make us inflate.
MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
# Characters XML 1.0 cannot carry at all; tab, LF and CR are allowed and kept.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MARKUP = re.compile(
    rb"""<(?:
        (?P<close>/)?(?P<name>[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)
        (?P<attrs>(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(?P<empty>/)?>
        |!--.*?-->|!\[CDATA\[.*?\]\]>|\?.*?\?>|!DOCTYPE[^>]*>)""",
    re.VERBOSE | re.DOTALL,
)
NON_UTF8_DECLARATION = re.compile(rb"^<\?xml[^>]*encoding\s*=\s*[\"'](?!utf-?8[\"'])", re.IGNORECASE)


class WriteBackError(ValueError):
    """The writes cannot be applied to this file as asked; nothing was written."""


def zip_with(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], patched: dict[str, bytes]) -> bytes:
    """The archive again with the `patched` members' content replaced; every other member's bytes as they were."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as result:
        result.comment = archive.comment
        for info in infos:
            content = patched.get(info.filename)
            copy = _copy_info(info)
            result.writestr(copy, archive.read(info) if content is None else content)
            # zipfile replaces external_attr 0 with rw------- while writing; the central directory,
            # the only place that holds it, is written on close from this same ZipInfo.
            copy.external_attr = info.external_attr
    return output.getvalue()


def _copy_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    # A fresh ZipInfo lets zipfile recompute sizes, CRC and zip64 fields; only the metadata is carried over.
    copy = zipfile.ZipInfo(info.filename, info.date_time)
    copy.compress_type = info.compress_type
    copy.comment = info.comment
    copy.create_system = info.create_system
    copy.external_attr = info.external_attr
    copy.internal_attr = info.internal_attr
    return copy

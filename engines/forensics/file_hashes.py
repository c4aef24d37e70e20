"""File hashes (MD5, SHA-1, SHA-256 of the bytes) and perceptual hashes (aHash, dHash, pHash of the pixels)."""

from __future__ import annotations

from typing import Any

from engines.findings import Finding
from engines.forensics.registry import Analysis, Subject, register
from engines.media.hashing import file_digests
from engines.media.perceptual_hash import perceptual_hashes
from engines.runtime.jobs import JobContext

VERSION = "1.0"


def _run(ctx: JobContext, subject: Subject, params: dict[str, Any]) -> Finding:
    assert subject.path is not None  # guaranteed by needs_file
    ctx.progress(0.1, "hashing file bytes")
    digests = file_digests(subject.path, ("md5", "sha1", "sha256"))
    ctx.progress(0.7, "perceptual hashes")
    perceptual = perceptual_hashes(subject.image)
    size = subject.path.stat().st_size
    table = (
        ("MD5", digests["md5"]),
        ("SHA-1", digests["sha1"]),
        ("SHA-256", digests["sha256"]),
        ("aHash (average)", perceptual["ahash"]),
        ("dHash (difference)", perceptual["dhash"]),
        ("pHash (DCT)", perceptual["phash"]),
        ("File size", f"{size:,} bytes"),
    )
    summary = (
        f"SHA-256 {digests['sha256'][:16]}… of {size:,} bytes; perceptual hashes of frame {subject.frame_index} "
        f"(pHash {perceptual['phash']}). Cryptographic hashes identify these exact bytes; perceptual hashes "
        "stay close (few differing bits) for re-encoded or resized copies of the same picture."
    )
    details = {**digests, "size": size, "frame_index": subject.frame_index, "perceptual": perceptual}
    return Finding(
        engine="file_hashes", version=VERSION, params=dict(params), summary=summary, table=table, details=details
    )


ANALYSIS = register(
    Analysis(
        id="file_hashes",
        group="File",
        title="File hashes",
        how_to_read=(
            "MD5, SHA-1 and SHA-256 fingerprint the file's exact bytes: any change, even to metadata, gives a "
            "different value, so quote SHA-256 when you record evidence. aHash, dHash and pHash are 64-bit "
            "perceptual hashes of the pixels: copies that were re-compressed, resized or lightly edited differ "
            "in only a few bits (compare with Hamming distance; under about 10 of 64 bits usually means the same "
            "picture). They say nothing about authenticity by themselves."
        ),
        params=(),
        output="table",
        run=_run,
        version=VERSION,
        needs_file=True,
    )
)

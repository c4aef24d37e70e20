"""Watermarks: a robust keyed ownership mark (``ownership``/``detector``), file-level embedding and
verification with optional Content Credentials (``service``), and the attack suite they are measured on."""

from engines.watermark.detector import Detection, detect, detect_frames
from engines.watermark.ownership import embed
from engines.watermark.payload import Payload, make_payload, owner_id
from engines.watermark.service import EmbedResult, VerifyResult, embed_file, verify_file

__all__ = [
    "Detection",
    "EmbedResult",
    "Payload",
    "VerifyResult",
    "detect",
    "detect_frames",
    "embed",
    "embed_file",
    "make_payload",
    "owner_id",
    "verify_file",
]

"""Errors raised by the evidence engine. ``str(err)`` is always a one-line, user-facing reason."""


class EvidenceError(Exception):
    """Base class for every evidence-engine failure."""


class CaseNotFound(EvidenceError):
    """No case with that name or folder."""


class CaseExists(EvidenceError):
    """A case with that name already exists."""


class ItemNotFound(EvidenceError):
    """No evidence item with that id or name in the case."""


class EvidenceMissing(EvidenceError):
    """An evidence file can no longer be found or read at its recorded path."""


class EvidenceMismatch(EvidenceError):
    """An evidence file's bytes no longer match the hash recorded at intake."""

    def __init__(self, message: str, expected: str = "", actual: str = ""):
        super().__init__(message)
        self.expected = expected
        self.actual = actual


class AuditChainBroken(EvidenceError):
    """The hash-chained audit log was edited, truncated, reordered or has gaps."""


class SignatureInvalid(EvidenceError):
    """A signature does not verify, or the signed file changed."""


class BundleError(EvidenceError):
    """An evidence bundle is malformed, unsafe to extract or fails verification."""

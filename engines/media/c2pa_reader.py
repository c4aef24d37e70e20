"""Read and validate C2PA Content Credentials with c2pa-python, offline (no remote manifests, no OCSP)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import c2pa

from engines.media.meta_nodes import format_value, node
from engines.media.sniff import sniff_format

MIME_TYPES = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "tiff": "image/tiff",
    "heif": "image/heif",
    "avif": "image/avif",
    "gif": "image/gif",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "avi": "video/x-msvideo",
}
OFFLINE_SETTINGS: dict[str, Any] = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}
UNTRUSTED = "signingCredential.untrusted"
_MAX_NODES_DEPTH = 24

# state → one-line meaning shown to the user
STATES = {
    "trusted": "valid, signed by a trusted signer",
    "untrusted": "valid, but the signer is not on the trust list",
    "valid": "valid (signer trust not checked)",
    "invalid": "invalid",
    "none": "no Content Credentials",
    "unsupported": "format not supported by the C2PA reader",
    "error": "Content Credentials could not be read",
}


@dataclasses.dataclass
class CredentialsReport:
    """Outcome of reading one file's manifest store."""

    state: str
    reasons: list[str] = dataclasses.field(default_factory=list)
    claim_generator: str = ""
    signer: str = ""
    title: str = ""
    actions: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    ingredients: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    manifest_count: int = 0
    store: dict[str, Any] | None = None
    tree: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    @property
    def summary(self) -> str:
        text = f"Content Credentials: {STATES.get(self.state, self.state)}"
        return text + (f" — {'; '.join(self.reasons[:3])}" if self.reasons else "")


def json_nodes(value: Any, name: str = "", depth: int = 0) -> dict[str, Any]:
    """A JSON value as a tree node (dicts and lists become children)."""
    if depth > _MAX_NODES_DEPTH:
        return node(name, "…")
    if isinstance(value, dict):
        return node(name, "", [json_nodes(v, str(k), depth + 1) for k, v in list(value.items())[:500]])
    if isinstance(value, list):
        items = [json_nodes(v, f"[{i}]", depth + 1) for i, v in enumerate(value[:500])]
        return node(name, f"{len(value)} item(s)", items)
    return node(name, "null" if value is None else format_value(value))


def _settings(trust_anchors_pem: str | bytes | None) -> dict[str, Any]:
    settings = json.loads(json.dumps(OFFLINE_SETTINGS))
    if trust_anchors_pem:
        pem = trust_anchors_pem.decode("ascii") if isinstance(trust_anchors_pem, bytes) else trust_anchors_pem
        settings["trust"] = {"user_anchors": pem}
    return settings


def _failures(store: dict[str, Any]) -> list[dict[str, Any]]:
    results = store.get("validation_results") or {}
    active = results.get("activeManifest") or {}
    failures = list(active.get("failure") or [])
    for delta in results.get("ingredientDeltas") or []:
        for item in ((delta.get("validationDeltas") or {}).get("failure")) or []:
            failures.append({**item, "explanation": f"ingredient: {item.get('explanation', '')}"})
    if not results:
        failures = list(store.get("validation_status") or [])
    return failures


def _generator(manifest: dict[str, Any]) -> str:
    if manifest.get("claim_generator"):
        return str(manifest["claim_generator"])
    infos = manifest.get("claim_generator_info") or []
    parts = [" ".join(str(i.get(k, "")) for k in ("name", "version")).strip() for i in infos if isinstance(i, dict)]
    return ", ".join(p for p in parts if p)


def _actions(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    actions: list[dict[str, Any]] = []
    for assertion in manifest.get("assertions") or []:
        if str(assertion.get("label", "")).startswith("c2pa.actions"):
            actions.extend(a for a in (assertion.get("data") or {}).get("actions") or [] if isinstance(a, dict))
    return actions


def _state(store: dict[str, Any], failures: list[dict[str, Any]]) -> tuple[str, list[str]]:
    declared = str(store.get("validation_state") or "")
    codes = [str(f.get("code", "")) for f in failures]
    reasons = [f"{f.get('code', '')}: {f.get('explanation', '')}" for f in failures if f.get("code") != UNTRUSTED]
    if declared == "Trusted":
        return "trusted", []
    if declared == "Invalid" or reasons:
        return "invalid", reasons or ["validation failed"]
    if UNTRUSTED in codes:
        return "untrusted", []
    return "valid", []


def report_from_store(store: dict[str, Any]) -> CredentialsReport:
    """Summarise a manifest-store JSON as returned by ``c2pa.Reader.json()``."""
    failures = _failures(store)
    state, reasons = _state(store, failures)
    manifests = store.get("manifests") or {}
    active = manifests.get(store.get("active_manifest") or "") or {}
    signature = active.get("signature_info") or {}
    signer = ", ".join(str(signature[k]) for k in ("common_name", "issuer") if signature.get(k))
    report = CredentialsReport(
        state=state,
        reasons=reasons,
        claim_generator=_generator(active),
        signer=signer,
        title=str(active.get("title") or ""),
        actions=_actions(active),
        ingredients=[i for i in active.get("ingredients") or [] if isinstance(i, dict)],
        manifest_count=len(manifests),
        store=store,
    )
    validation = [node("State", STATES[state])] + [
        node(str(f.get("code", "")), str(f.get("explanation", ""))) for f in failures
    ]
    report.tree = [
        node("Validation", state, validation),
        node("Claim generator", report.claim_generator),
        node("Signer", signer, [json_nodes(v, k) for k, v in signature.items()]),
        node("Actions", f"{len(report.actions)}", [json_nodes(a, str(a.get("action", "?"))) for a in report.actions]),
        node(
            "Ingredients",
            f"{len(report.ingredients)}",
            [json_nodes(i, str(i.get("title") or i.get("relationship") or "?")) for i in report.ingredients],
        ),
        json_nodes(manifests, "Manifests"),
    ]
    return report


def read_credentials(path: str | Path, trust_anchors_pem: str | bytes | None = None) -> CredentialsReport:
    """Read and validate the C2PA manifest store of a file; never raises for bad or missing credentials.

    ``trust_anchors_pem`` adds root certificates whose signers count as trusted (there is no built-in list).
    """
    path = Path(path)
    with open(path, "rb") as fh:
        mime = MIME_TYPES.get(sniff_format(fh.read(64)) or "")
        fh.seek(0)
        try:
            context = c2pa.Context(settings=c2pa.Settings.from_dict(_settings(trust_anchors_pem)))
            reader = c2pa.Reader(mime, fh, context=context) if mime else c2pa.Reader(fh, context=context)
            with reader:
                store = json.loads(reader.json())
        except c2pa.C2paError.ManifestNotFound:
            return CredentialsReport(state="none")
        except c2pa.C2paError.NotSupported as exc:
            return CredentialsReport(state="unsupported", reasons=[str(exc)])
        except (c2pa.C2paError, ValueError, OSError) as exc:
            return CredentialsReport(state="error", reasons=[f"{type(exc).__name__}: {exc}"[:300]])
    return report_from_store(store)

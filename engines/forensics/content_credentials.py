"""Content Credentials (C2PA): is there a signed manifest, is it valid, who signed it, what does it declare."""

from __future__ import annotations

from typing import Any

from engines.findings import Finding
from engines.forensics.registry import Analysis, Subject, register
from engines.media.c2pa_reader import STATES, read_credentials
from engines.runtime.jobs import JobContext

VERSION = "1.0"
AI_SOURCE_TYPES = ("trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia", "algorithmicMedia")
SCORES = {"trusted": 0.0, "untrusted": 0.0, "valid": 0.0, "invalid": 1.0}


def _declared_sources(actions: list[dict[str, Any]]) -> list[str]:
    sources = [str(a.get("digitalSourceType", "")) for a in actions if a.get("digitalSourceType")]
    return list(dict.fromkeys(s.rsplit("/", 1)[-1] for s in sources))


def _run(ctx: JobContext, subject: Subject, params: dict[str, Any]) -> Finding:
    assert subject.path is not None  # guaranteed by needs_file
    ctx.progress(0.1, "reading Content Credentials")
    report = read_credentials(subject.path)
    ctx.progress(0.9, "summarising")
    table: list[tuple[str, str]] = [("State", STATES.get(report.state, report.state))]
    table.extend(("Reason", r) for r in report.reasons)
    sources = _declared_sources(report.actions)
    if report.state not in ("none", "unsupported", "error"):
        table += [
            ("Claim generator", report.claim_generator or "—"),
            ("Signer", report.signer or "—"),
            ("Title", report.title or "—"),
            ("Actions", ", ".join(str(a.get("action", "?")) for a in report.actions) or "none declared"),
            ("Ingredients", ", ".join(str(i.get("title", "?")) for i in report.ingredients) or "none"),
            ("Manifests in store", str(report.manifest_count)),
        ]
        if sources:
            table.append(("Declared source type", ", ".join(sources)))
    summary = report.summary + "."
    if any(s in AI_SOURCE_TYPES for s in sources):
        summary += " The credentials declare AI-generated content."
    if report.state == "untrusted":
        summary += " The content matches its signature; who signed it is not vouched for by a trust list."
    details = {
        "state": report.state,
        "reasons": report.reasons,
        "tree": report.tree,
        "claim_generator": report.claim_generator,
        "signer": report.signer,
        "actions": report.actions,
        "ingredients": report.ingredients,
        "declared_sources": sources,
    }
    return Finding(
        engine="c2pa",
        version=VERSION,
        params=dict(params),
        summary=summary,
        score=SCORES.get(report.state),
        table=tuple(table),
        details=details,
    )


ANALYSIS = register(
    Analysis(
        id="c2pa",
        group="Metadata",
        title="Content Credentials (C2PA)",
        how_to_read=(
            "Content Credentials are a signed record of where a file came from and how it was edited. 'Valid' "
            "means the pixels and the record are unchanged since signing; 'invalid' means something changed after "
            "signing (the reason names what failed); 'signer not trusted' means the signature holds but the "
            "certificate is not on a trust list, so anyone could have made it. No credentials is the normal case "
            "today and says nothing either way. Actions and ingredients show the declared editing history."
        ),
        params=(),
        output="table",
        run=_run,
        version=VERSION,
        needs_file=True,
    )
)

"""The report as one self-contained HTML page (images as data URIs).

The markup keeps to what both browsers and Qt's rich-text engine render well (tables with
attributes, simple class selectors), so ``app.report_pdf`` can lay out the same HTML.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from html import escape

from engines.evidence.images import display_png
from engines.evidence.report_model import Report, ReportFinding, ReportImage, ReportItem

ImageSource = Callable[[ReportImage], str]

_CSS = """
body { font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 9.5pt; color: #1a1a1a; }
h1 { font-size: 17pt; margin-bottom: 2pt; }
h2 { font-size: 13pt; margin-top: 14pt; margin-bottom: 4pt; color: #17324d; }
h3 { font-size: 11pt; margin-top: 10pt; margin-bottom: 3pt; }
p { margin-top: 2pt; margin-bottom: 4pt; }
table { border-collapse: collapse; margin-bottom: 6pt; }
td, th { padding: 3px; vertical-align: top; text-align: left; }
th { background-color: #e8edf2; font-weight: bold; }
.kv td.k { color: #444; white-space: nowrap; font-weight: bold; }
.mono { font-family: 'DejaVu Sans Mono', monospace; font-size: 7.5pt; }
.small { font-size: 8pt; color: #444; }
.ok { color: #1b6e20; font-weight: bold; }
.check { color: #9a6700; font-weight: bold; }
.warning, .bad { color: #b3261e; font-weight: bold; }
.caption { font-size: 8pt; color: #444; }
.newpage { page-break-before: always; }
td.t { font-size: 7.5pt; }
img { max-width: 100%; height: auto; }
"""
_VERIFY_CLASS = {"verified": "ok", "mismatch": "bad", "missing": "bad", "not checked": "check"}
_VERIFY_TEXT = {"verified": "verified — bytes identical to intake", "mismatch": "MISMATCH — file changed since intake",
                "missing": "NOT AVAILABLE — file missing or unreadable", "not checked": "not re-checked"}


def data_uri(image: ReportImage) -> str:
    """The image (scaled for display when large) as a ``data:image/png;base64,…`` URI."""
    return "data:image/png;base64," + base64.b64encode(display_png(image.file)).decode("ascii")


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _kv(rows: list[tuple[str, str]], mono: tuple[str, ...] = ()) -> str:
    """A two-column label/value table; values are HTML already."""
    body = "".join(
        f'<tr><td class="k" width="22%">{_e(k)}</td><td{" class=mono" if k in mono else ""}>{v}</td></tr>'
        for k, v in rows
    )
    return f'<table class="kv" width="100%" border="1" cellspacing="0" cellpadding="3">{body}</table>'


def _grid(header: list[str], rows: list[list[str]], widths: list[str] | None = None, cell_class: str = "") -> str:
    w = widths or [""] * len(header)
    head = "".join(f'<th{f" width={x}" if x else ""}>{_e(h)}</th>' for h, x in zip(header, w, strict=True))
    td = f'<td class="{cell_class}">' if cell_class else "<td>"
    body = "".join("<tr>" + "".join(f"{td}{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table width="100%" border="1" cellspacing="0" cellpadding="3"><tr>{head}</tr>{body}</table>'


def _verification_note(items, problems: int) -> str:
    """Say exactly how many items were re-hashed for this report — never claim more."""
    unchecked = sum(1 for item in items if item.verification == "not checked")
    if problems:
        return f' — <span class="bad">{problems} failed re-verification</span>'
    if unchecked:
        return f" — {len(items) - unchecked} re-verified against intake hashes, {unchecked} not re-checked"
    return " — all re-verified against intake hashes"


def _header(report: Report) -> str:
    counts = report.status_counts()
    problems = sum(1 for item in report.items if item.verification in ("mismatch", "missing"))
    chain = ('<span class="ok">intact</span>' if report.audit_ok
             else '<span class="bad">BROKEN — ' + _e("; ".join(report.audit_problems[:3])) + "</span>")
    rows = [
        ("Case", _e(report.case_name)),
        ("Case ID", f'<span class="mono">{_e(report.case_uuid)}</span>'),
        ("Examiner", _e(report.examiner or "—")),
        ("Report generated", _e(report.generated_at) + " (UTC)"),
        ("Report ID", f'<span class="mono">{_e(report.report_id)}</span>'),
        ("Evidence items", f"{len(report.items)}" + _verification_note(report.items, problems)),
        ("Findings", ", ".join(f"{n} {_e(label.lower())}" for label, n in counts.items())),
        ("Audit log", f"{chain}, {report.audit_count} entries, head "
                      f'<span class="mono">{_e(report.audit_head)}</span>'),
    ]
    if report.signer_fingerprint:
        rows.append(("Signing key", f'Ed25519, fingerprint <span class="mono">{_e(report.signer_fingerprint)}</span>'))
    return f"<h1>{_e(report.title)}</h1>" + _kv(rows)


def _overview(report: Report) -> str:
    """One row per finding: the at-a-glance list on the first page."""
    if not report.findings:
        return ""
    rows = [[str(f.number), _e(f.title), f"{f.item_id} ({_e(f.item_name)})", "—" if f.score is None else
             f"{f.score:.3f}", f'<span class="{_e(f.status)}">{_e(f.status_label)}</span>', _e(f.note or "—")]
            for f in report.findings]
    return "<h2>Findings at a glance</h2>" + _grid(["#", "Method", "Item", "Score", "Status", "Examiner's note"],
                                                   rows, ["4%", "22%", "20%", "8%", "13%", ""])


def _item(item: ReportItem) -> str:
    status = (f'<span class="{_VERIFY_CLASS[item.verification]}">{_e(_VERIFY_TEXT[item.verification])}</span>'
              + (f" at {_e(item.verified_at)}" if item.verified_at else ""))
    if item.verification_note:
        status += f'<br/><span class="small">{_e(item.verification_note)}</span>'
    rows = [
        ("File", _e(item.name)),
        ("Path at intake", f'<span class="mono">{_e(item.path)}</span>'),
        ("Size", f"{item.size:,} bytes"),
        ("SHA-256", _e(item.sha256)),
        ("MD5", _e(item.md5)),
        ("Modified / changed", f"{_e(item.modified)} / {_e(item.changed)}"),
        ("Taken in", _e(item.intake_at)),
        ("Re-verification", status),
    ]
    return f"<h3>Item {item.id}: {_e(item.name)}</h3>" + _kv(rows, mono=("SHA-256", "MD5"))


def _images(finding: ReportFinding, src: ImageSource) -> str:
    if not finding.images:
        return ""
    width = 300 if len(finding.images) > 1 else 420
    cells = []
    for image in finding.images:
        cells.append(
            f'<td align="center"><img src="{_e(src(image))}" width="{width}" alt="{_e(image.caption)}"/><br/>'
            f'<span class="caption">{_e(image.caption)}, {image.width}×{image.height} px<br/>'
            f'sha256 {_e(image.sha256[:32])}…</span></td>'
        )
    rows = ["".join(cells[i:i + 2]) for i in range(0, len(cells), 2)]
    return '<table cellspacing="0" cellpadding="4">' + "".join(f"<tr>{r}</tr>" for r in rows) + "</table>"


def _finding(f: ReportFinding, src: ImageSource) -> str:
    score = "—" if f.score is None else f"{f.score:.3f}"
    rows = [
        ("Evidence", f"item {f.item_id} ({_e(f.item_name)}), frame {f.frame_index}"),
        ("Method", f"{_e(f.title)} — engine <span class=mono>{_e(f.engine)}</span> version {_e(f.version)}"),
        ("Parameters", ", ".join(f"{_e(k)} = {_e(v)}" for k, v in f.params) or "—"),
        ("Score", score),
        ("Status", f'<span class="{_e(f.status)}">{_e(f.status_label)}</span>'),
        ("Summary", _e(f.summary)),
        ("Examiner's note", _e(f.note) if f.note else "—"),
        ("Bookmarked", _e(f.created_at)),
    ]
    if f.weights_sha256:
        rows.append(("Model weights SHA-256", _e(f.weights_sha256)))
    rows.extend((label, _e(value)) for label, value in f.table)
    attr = " class=newpage" if f.number > 1 else ""
    heading = f"<h3{attr}>Finding {f.number}: {_e(f.title)} on item {f.item_id}</h3>"
    return (heading + _kv(rows, ("Model weights SHA-256",))
            + _images(f, src))


def _methods(report: Report) -> str:
    parts = []
    for m in report.methods:
        group = f" ({_e(m.group)})" if m.group else ""
        text = _e(m.how_to_read) if m.how_to_read else "No description is registered for this engine."
        parts.append(f"<p><b>{_e(m.title)}</b>{group} — engine <span class=mono>{_e(m.engine)}</span> "
                     f"version {_e(m.version)}. {text}</p>")
    return "".join(parts) or "<p>No analyses were bookmarked.</p>"


def _software(report: Report) -> str:
    html = _grid(["Software", "Version"], [[_e(n), _e(v)] for n, v in report.software], ["35%", ""])
    if report.weights:
        html += _grid(["Engine", "Model weights SHA-256"],
                      [[_e(e), f"<span class=mono>{_e(d)}</span>"] for e, d in report.weights], ["35%", ""])
    else:
        html += "<p class=small>No learned model weights were used by the bookmarked findings.</p>"
    return html


def _audit(report: Report) -> str:
    rows = [[str(a.seq), _e(a.at), _e(a.action), _e(a.actor), _e(a.description)] for a in report.audit]
    intro = ("<p>Every action on the case is an entry in an append-only log. Each entry carries the SHA-256 of the "
             "previous entry, so editing, removing or reordering an entry breaks the chain. Chain status: "
             + ('<span class="ok">intact</span>' if report.audit_ok else '<span class="bad">BROKEN</span>')
             + f". Head hash <span class=mono>{_e(report.audit_head)}</span>.</p>")
    return intro + _grid(["#", "Time (UTC)", "Action", "By", "Details"], rows, ["4%", "27%", "13%", "9%", ""], "t")


def render_html(report: Report, image_src: ImageSource | None = None) -> str:
    """The whole report as HTML; ``image_src`` maps an image to its ``src`` (default: a data URI)."""
    src = image_src or data_uri
    body = [
        _header(report),
        _overview(report),
        "<h2>1. Evidence items</h2>",
        "".join(_item(i) for i in report.items) or "<p>No evidence items.</p>",
        '<h2 class="newpage">2. Findings</h2>',
        "".join(_finding(f, src) for f in report.findings) or "<p>No findings were bookmarked.</p>",
        '<h2 class="newpage">3. Methods</h2>', _methods(report),
        "<h2>4. Software and models</h2>", _software(report),
        "<h2>5. Limitations</h2>", f"<p>{_e(report.limitations)}</p>",
        '<h2 class="newpage">Appendix: audit log</h2>', _audit(report),
    ]
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/><title>{_e(report.title)}</title>'
            f"<style>{_CSS}</style></head><body>" + "\n".join(body) + "</body></html>\n")

"""Markdown tables of the results file (``run.py`` prints them; ``--report`` reprints them)."""

from __future__ import annotations

from published import PUBLISHED

#: Column order and labels of the summary tables.
LABELS = {
    "naive": "naive",
    "seasonal_naive": "seasonal naive",
    "auto_ets": "AutoETS",
    "auto_theta": "AutoTheta",
    "nf_gru": "NeuralForecast GRU",
    "darts_gru": "Darts GRU",
    "grucast": "grucast (defaults)",
}

#: Subsets where grucast should match the best of AutoETS and AutoTheta (issue 13).
# Subsets with a season (m > 1): there the target is 10 % below seasonal naive, not just below.
SEASONAL = ("m3-quarterly", "m3-monthly", "tourism-quarterly", "tourism-monthly", "household")
STATS_TARGET = ("m3-monthly", "tourism-monthly", "tourism-quarterly")

#: The competition's headline metric of each family.
HEADLINE = {"m3": "smape", "tourism": "mape", "household": "mase"}


def _num(value, digits: int = 3) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _label(method: str) -> str:
    if method in LABELS:
        return LABELS[method]
    if method.startswith("grucast:"):
        return f"grucast [{method.split(':', 1)[1]}]"
    return method


def subset_table(key: str, entry: dict) -> str:
    """One subset: every method's scores and times, then the published numbers."""
    info = entry["info"]
    sample = "" if info.get("sample_seed") is None else f", a sample of {info['series']} of {info['total_series']} series (seed {info['sample_seed']})"
    lines = [
        f"**{info['title']}** (`{key}`): horizon {info['horizon']}, season {info['season']}, "
        f"{info['series']} series, {info['windows']} forecast windows{sample}.",
        "",
        "| method | MASE mean | MASE median [Q1, Q3] | sMAPE mean | sMAPE median | MAPE mean | method s | process s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for method, result in entry["methods"].items():
        if "error" in result:
            message = result["error"].replace("|", "/").replace("\n", " ")
            lines.append(f"| {_label(method)} | failed: {message} | | | | | {_num(result.get('seconds'), 1)} | {_num(result.get('process_seconds'), 1)} |")
            continue
        s = result["scores"]
        mase, smape, mape = s["mase"], s["smape"], s["mape"]
        spread = f"{_num(mase['median'])} [{_num(mase['q1'])}, {_num(mase['q3'])}]"
        mape_cell = _num(mape["mean"], 2) + (f" ({mape['undefined']} series undefined)" if mape["undefined"] else "")
        lines.append(
            f"| {_label(method)} | {_num(mase['mean'])} | {spread} | {_num(smape['mean'], 2)} | {_num(smape['median'], 2)} "
            f"| {mape_cell} | {_num(result['seconds'], 1)} | {_num(result['process_seconds'], 1)} |"
        )
    published = PUBLISHED.get(key.split("/")[0], [])
    for method, metric, value, _source in published:
        cells = {"smape": "| | | {v} | | |", "mape": "| | | | | {v} |"}[metric].format(v=f"{value:.2f}")
        lines.append(f"| *published: {method}* {cells} | |")
    if published:
        lines += ["", f"Published rows: {published[0][3]}."]
    return "\n".join(lines)


def _best_peer(methods: dict) -> tuple[str, float] | None:
    peers = {m: r["scores"]["mase"]["mean"] for m, r in methods.items() if m in ("nf_gru", "darts_gru") and "scores" in r}
    if not peers:
        return None
    best = min(peers, key=peers.get)
    return best, peers[best]


def targets(key: str, methods: dict, grucast_key: str = "grucast") -> str:
    """grucast against the issue's targets on this subset: MASE (mean over series), and time on M3 monthly."""
    result = methods.get(grucast_key)
    if result is None:
        return "not run"
    if "scores" not in result:
        return "failed (no target met)"
    ours = result["scores"]["mase"]["mean"]
    marks = []

    def mark(name: str, other: float | None, strict: bool = False) -> None:
        if other is None:
            return
        ok = ours < other if strict else ours <= other
        marks.append(f"{name} {'met' if ok else 'NOT met'}")

    snaive = methods.get("seasonal_naive", {}).get("scores", {}).get("mase", {}).get("mean")
    mark("< seasonal naive", snaive, strict=True)
    if key.split("/")[0] in SEASONAL and snaive is not None:
        mark("≥ 10 % below seasonal naive", 0.9 * snaive)
    if key.split("/")[0] in STATS_TARGET:
        stats = [methods.get(m, {}).get("scores", {}).get("mase", {}).get("mean") for m in ("auto_ets", "auto_theta")]
        stats = [s for s in stats if s is not None]
        mark("≤ best of AutoETS/AutoTheta", min(stats) if stats else None)
    peer = _best_peer(methods)
    mark("≤ best peer GRU", peer[1] if peer else None)
    if key == "m3-monthly":  # the whole default run, process start to exit, within 5 minutes
        seconds = result.get("process_seconds")
        marks.append(f"≤ 300 s end to end {'met' if seconds <= 300 else 'NOT met'} ({seconds:.0f} s)")
    return "; ".join(marks) or "no anchors yet"


def summary(results: dict, metric: str = "mase") -> str:
    """One row per subset: the mean over series of ``metric`` for each method."""
    subsets = results.get("subsets", {})
    extra = sorted({m for e in subsets.values() for m in e["methods"] if m not in LABELS})
    columns = [m for m in LABELS if any(m in e["methods"] for e in subsets.values())] + extra
    header = "| subset | series | " + " | ".join(_label(m) for m in columns)
    if metric == "mase":
        header += " | grucast vs targets |"
        rule = "|---|---:|" + "---:|" * len(columns) + "---|"
    else:
        header += " | published (best shown) |"
        rule = "|---|---:|" + "---:|" * len(columns) + "---|"
    lines = [header, rule]
    digits = 3 if metric == "mase" else 2
    for key, entry in subsets.items():
        cells = []
        for method in columns:
            result = entry["methods"].get(method)
            if result is None:
                cells.append("")
            elif "scores" not in result:
                cells.append("failed")
            else:
                cells.append(_num(result["scores"][metric]["mean"], digits))
        row = f"| {key} | {entry['info']['series']} | " + " | ".join(cells)
        if metric == "mase":
            row += f" | {targets(key, entry['methods'])} |"
        else:
            published = [p for p in PUBLISHED.get(key.split("/")[0], []) if p[1] == metric]
            best = min(published, key=lambda p: p[2]) if published else None
            theta = next((p for p in published if p[0].startswith("Theta")), None)
            parts = [f"{p[0]} {p[2]:.2f}" for p in (theta, best) if p is not None]
            row += f" | {'; '.join(dict.fromkeys(parts))} |"
        lines.append(row)
    if metric == "mase":
        variants = [(key, m) for key, e in subsets.items() for m in e["methods"] if m.startswith("grucast:")]
        if variants:
            lines.append("")
        for key, method in variants:
            lines.append(f"- {_label(method)} on {key} vs targets: {targets(key, subsets[key]['methods'], method)}")
    return "\n".join(lines)


def times(results: dict) -> str:
    """Wall seconds per method and subset (the method's own fit + forecast; process total in brackets)."""
    subsets = results.get("subsets", {})
    columns = [m for m in LABELS if any(m in e["methods"] for e in subsets.values())]
    columns += sorted({m for e in subsets.values() for m in e["methods"] if m not in LABELS})
    lines = ["| subset | " + " | ".join(_label(m) for m in columns) + " |", "|---|" + "---:|" * len(columns)]
    for key, entry in subsets.items():
        cells = []
        for method in columns:
            r = entry["methods"].get(method)
            cells.append("" if r is None else f"{_num(r.get('seconds'), 1)} ({_num(r.get('process_seconds'), 0)})")
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def full_report(results: dict) -> str:
    parts = []
    for key, entry in results.get("subsets", {}).items():
        parts.append(subset_table(key, entry))
    parts += [
        "### MASE, mean over series (lower is better)",
        summary(results, "mase"),
        "### sMAPE (M3's, 0-200), mean over series",
        summary(results, "smape"),
        "### MAPE (Tourism's), mean over series",
        summary(results, "mape"),
        "### Wall seconds: method (process)",
        times(results),
    ]
    return "\n\n".join(parts)

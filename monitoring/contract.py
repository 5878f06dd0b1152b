#!/usr/bin/env python3
"""Checks archive-vault's monitoring files and a live /metrics output against metrics.txt.

  contract.py files [--metrics M] [--dashboard D] [--alerts A] [--alerts-test T]
      The dashboard: valid JSON, every panel has the ${DS_PROMETHEUS} datasource and a
      bilingual title, every expression names only contract metrics and filters by the
      $instance (and, where the metric has a tier, $tier) variables, every contract metric
      is shown somewhere, panels do not overlap. The alert rules: every metric they name is in the contract, and
      every alert is exercised by the unit tests.
  contract.py exposition [--metrics M] FILE
      A /metrics text output (FILE, or - for stdin): every contract metric is present with
      its type and exactly its labels, enumerated label values are all exported (initialised
      to 0) for every combination of the other labels, and every tier-labelled metric covers
      the same tiers. Prints each problem; metrics outside the contract are only reported.

Exit status: 0 all good, 1 problems found, 2 usage. Needs only the Python standard library.
"""

import argparse
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
# Series Prometheus makes itself for every target; the alert rules may use them.
SYNTHETIC = {"up"}
PROMQL_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool",
                   "and", "or", "unless", "offset", "inf", "nan", "atan2", "start", "end"}


class Metric:
    def __init__(self, name, kind, labels):
        self.name = name
        self.kind = kind
        self.labels = labels  # {label: set of values, or None for any value}


def load_contract(path):
    metrics = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            fields = line.split()
            if len(fields) < 2 or fields[1] not in ("counter", "gauge", "histogram", "summary"):
                raise SystemExit(f"{path}:{n}: want 'name type label...', got {line!r}")
            labels = {}
            for spec in fields[2:]:
                name, _, values = spec.partition("=")
                labels[name] = set(values.split("|")) if values else None
            metrics[fields[0]] = Metric(fields[0], fields[1], labels)
    return metrics


def base_name(name, contract):
    """The contract metric a series name belongs to (histogram series map to their family)."""
    if name in contract:
        return name
    for suffix in HISTOGRAM_SUFFIXES:
        if name.endswith(suffix):
            base = name[: -len(suffix)]
            if base in contract and contract[base].kind in ("histogram", "summary"):
                return base
    return None


def promql_metric_names(expr):
    """Metric names an expression selects (a lexical scan, good enough for these files)."""
    s = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)
    s = re.sub(r"\{[^}]*\}", " ", s)          # label matchers
    s = re.sub(r"\[[^\]]*\]", " ", s)         # ranges and subqueries
    s = re.sub(r"\$\{?\w+\}?", " ", s)        # Grafana variables
    s = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", s)
    s = re.sub(r"\boffset\s+-?\w+", " ", s)
    names = set()
    for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", s):
        before = s[m.start() - 1] if m.start() else " "
        if before.isdigit() or before == ".":
            continue                               # 1e3, 0.5e-1
        if re.match(r"\s*\(", s[m.end():]):
            continue                               # function or aggregation
        if m.group(0).lower() in PROMQL_KEYWORDS:
            continue
        names.add(m.group(0))
    return names


# ---- files -----------------------------------------------------------------------------------

def walk_panels(panels):
    for p in panels:
        yield p
        yield from walk_panels(p.get("panels", []))


def variable_query(v):
    q = v.get("query", "")
    return q.get("query", "") if isinstance(q, dict) else q


def check_expr(where, expr, contract, errors, used, require_filters):
    for name in sorted(promql_metric_names(expr)):
        base = base_name(name, contract)
        if base is None:
            if name not in SYNTHETIC:
                errors.append(f"{where}: metric {name} is not in metrics.txt")
            continue
        used.add(base)
        if not require_filters:
            continue
        selectors = re.findall(re.escape(name) + r"\s*(\{[^}]*\})?", expr)
        for sel in selectors:
            if 'instance=~"$instance"' not in sel:
                errors.append(f'{where}: {name} is not filtered by instance=~"$instance"')
            if "tier" in contract[base].labels and 'tier=~"$tier"' not in sel:
                errors.append(f'{where}: {name} is not filtered by tier=~"$tier"')


def check_dashboard(path, contract, errors):
    try:
        with open(path, encoding="utf-8") as f:
            dash = json.load(f)
    except (OSError, ValueError) as e:
        errors.append(f"{path}: {e}")
        return
    want_ds = "${DS_PROMETHEUS}"
    if not isinstance(dash.get("schemaVersion"), int) or dash["schemaVersion"] < 36:
        errors.append(f"{path}: schemaVersion missing or older than 36")
    if not dash.get("uid"):
        errors.append(f"{path}: no uid")
    variables = {v.get("name"): v for v in dash.get("templating", {}).get("list", [])}
    ds_var = variables.get("DS_PROMETHEUS")
    if not ds_var or ds_var.get("type") != "datasource" or ds_var.get("query") != "prometheus":
        errors.append(f"{path}: no datasource variable DS_PROMETHEUS of type prometheus")
    for name in ("instance", "tier"):
        if name not in variables:
            errors.append(f"{path}: no ${name} variable")
    used = set()
    for name, v in variables.items():
        if v.get("type") != "query":
            continue
        if (v.get("datasource") or {}).get("uid") != want_ds:
            errors.append(f"{path}: variable {name}: datasource is not {want_ds}")
        q = variable_query(v)
        m = re.fullmatch(r"\s*label_values\((.*),\s*\w+\s*\)\s*", q)
        check_expr(f"variable {name}", m.group(1) if m else q, contract, errors, used, False)

    ids, cells = set(), {}
    for p in walk_panels(dash.get("panels", [])):
        title = p.get("title", "")
        where = f"panel {p.get('id')} {title!r}"
        if p.get("id") in ids:
            errors.append(f"{where}: duplicate id")
        ids.add(p.get("id"))
        if " / " not in title:
            errors.append(f"{where}: title is not bilingual ('Tiếng Việt / English')")
        g = p.get("gridPos")
        if not g:
            errors.append(f"{where}: no gridPos")
        else:
            if g.get("x", 0) + g.get("w", 0) > 24:
                errors.append(f"{where}: wider than the 24-column grid")
            for x in range(g.get("x", 0), g.get("x", 0) + g.get("w", 0)):
                for y in range(g.get("y", 0), g.get("y", 0) + g.get("h", 0)):
                    if (x, y) in cells:
                        errors.append(f"{where}: overlaps panel {cells[(x, y)]}")
                        break
                    cells[(x, y)] = p.get("id")
                else:
                    continue
                break
        if p.get("type") == "row":
            continue
        if (p.get("datasource") or {}).get("uid") != want_ds:
            errors.append(f"{where}: datasource is not {want_ds}")
        targets = p.get("targets") or []
        if not targets:
            errors.append(f"{where}: no queries")
        for t in targets:
            if "datasource" in t and (t["datasource"] or {}).get("uid") != want_ds:
                errors.append(f"{where} query {t.get('refId')}: datasource is not {want_ds}")
            if not t.get("expr"):
                errors.append(f"{where} query {t.get('refId')}: no expr")
                continue
            check_expr(f"{where} query {t.get('refId')}", t["expr"], contract, errors, used, True)
    for name in sorted(set(contract) - used):
        errors.append(f"{path}: contract metric {name} is shown on no panel")


def rule_exprs(text):
    """The expr of every rule in a Prometheus rule file (plain and block scalars)."""
    exprs = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)(?:-\s+)?expr:\s*(.*)$", lines[i])
        i += 1
        if not m:
            continue
        indent, value = len(m.group(1)), m.group(2).strip()
        if value[:1] in ("|", ">"):
            block = []
            while i < len(lines) and (not lines[i].strip() or
                                      len(lines[i]) - len(lines[i].lstrip()) > indent):
                block.append(lines[i].strip())
                i += 1
            exprs.append("\n".join(block))
        else:
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            exprs.append(value)
    return exprs


def check_alerts(path, test_path, contract, errors):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    rules = re.findall(r"^\s*-\s+(?:alert|record):", text, re.M)
    exprs = rule_exprs(text)
    if len(exprs) != len(rules):
        errors.append(f"{path}: found {len(exprs)} expr for {len(rules)} rules (cannot parse it)")
    for n, expr in enumerate(exprs, 1):
        check_expr(f"{path} rule {n}", expr, contract, errors, set(), False)
    # Metric names in annotations and templates too (e.g. a query in a description).
    for name in sorted(set(re.findall(r"\bvault_[a-z0-9_]+", text))):
        if base_name(name, contract) is None:
            errors.append(f"{path}: metric {name} is not in metrics.txt")
    alerts = set(re.findall(r"^\s*-\s+alert:\s*(\w+)", text, re.M))
    if test_path:
        with open(test_path, encoding="utf-8") as f:
            tested = set(re.findall(r"^\s*alertname:\s*(\w+)", f.read(), re.M))
        for name in sorted(alerts - tested):
            errors.append(f"{test_path}: alert {name} is not tested")


# ---- exposition ------------------------------------------------------------------------------

SAMPLE = re.compile(r"^([A-Za-z_:][A-Za-z0-9_:]*)(\{.*\})?\s+(\S+)(\s+\S+)?$")
LABEL = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?')


def parse_exposition(text):
    types, samples = {}, []
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            parts = line.split()
            if len(parts) >= 4:
                types[parts[2]] = parts[3]
            continue
        if not line.strip() or line.startswith("#"):
            continue
        m = SAMPLE.match(line.strip())
        if not m:
            continue
        labels = {}
        body = (m.group(2) or "{}")[1:-1]
        for lm in LABEL.finditer(body):
            labels[lm.group(1)] = lm.group(2)
        samples.append((m.group(1), labels, m.group(3)))
    return types, samples


def check_exposition(text, contract, errors, notes):
    types, samples = parse_exposition(text)
    by_family = {}
    for name, labels, value in samples:
        base = base_name(name, contract)
        if base is None:
            if name.startswith("vault_"):
                notes.add(f"{name} is exported but not in metrics.txt")
            continue
        if contract[base].kind == "histogram" and name != base + "_count":
            continue  # one series per histogram is enough to check its labels
        by_family.setdefault(base, []).append((labels, value))

    tiers = {}
    for name, m in contract.items():
        if name not in types:
            errors.append(f"missing: {name} ({m.kind})")
            continue
        if types[name] != m.kind:
            errors.append(f"{name}: type {types[name]}, the contract says {m.kind}")
        series = by_family.get(name, [])
        if not series:
            errors.append(f"missing: {name} has a TYPE line but no samples")
            continue
        want = set(m.labels)
        for labels, value in series:
            got = set(labels)
            if got != want:
                errors.append(f"{name}{{{fmt(labels)}}}: labels {sorted(got)}, "
                              f"the contract says {sorted(want)}")
                continue
            for label, allowed in m.labels.items():
                if allowed is not None and labels[label] not in allowed:
                    errors.append(f"{name}{{{fmt(labels)}}}: {label}={labels[label]!r} is not "
                                  f"one of {'|'.join(sorted(allowed))}")
        # Enumerated values: each one present for each combination of the other labels.
        enums = [l for l, v in m.labels.items() if v is not None]
        others = [l for l, v in m.labels.items() if v is None]
        for label in enums:
            seen = {}
            for labels, _ in series:
                if set(labels) == want:
                    key = tuple(labels[o] for o in others)
                    seen.setdefault(key, set()).add(labels[label])
            for key, values in sorted(seen.items()):
                for v in sorted(m.labels[label] - values):
                    where = ",".join(f'{o}="{k}"' for o, k in zip(others, key))
                    errors.append(f'{name}{{{where}}}: no series with {label}="{v}" '
                                  f"(export every value from start-up, at 0)")
        if "tier" in m.labels:
            tiers[name] = {labels.get("tier") for labels, _ in series if "tier" in labels}
        if name == "vault_build_info" and any(v not in ("1", "1.0") for _, v in series):
            errors.append("vault_build_info: value is not 1")
    if tiers:
        everyone = set().union(*tiers.values())
        for name, ts in sorted(tiers.items()):
            for t in sorted(everyone - ts):
                errors.append(f'{name}: no series for tier="{t}" (other metrics have it)')


def fmt(labels):
    return ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--metrics", default=os.path.join(HERE, "metrics.txt"))
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("files")
    f.add_argument("--dashboard", default=os.path.join(HERE, "grafana", "archive-vault.json"))
    f.add_argument("--alerts", default=os.path.join(HERE, "alerts.yml"))
    f.add_argument("--alerts-test", default=os.path.join(HERE, "alerts_test.yml"))
    e = sub.add_parser("exposition")
    e.add_argument("file")
    args = ap.parse_args()

    contract = load_contract(args.metrics)
    errors, notes = [], set()
    if args.cmd == "files":
        check_dashboard(args.dashboard, contract, errors)
        check_alerts(args.alerts, args.alerts_test, contract, errors)
        ok_msg = f"ok: dashboard and alert rules match {len(contract)} contract metrics"
    else:
        if args.file == "-":
            text = sys.stdin.read()
        else:
            with open(args.file, encoding="utf-8", errors="replace") as fh:
                text = fh.read()
        check_exposition(text, contract, errors, notes)
        ok_msg = f"ok: all {len(contract)} contract metrics present with their labels"
    for n in sorted(notes):
        print(f"note: {n}", file=sys.stderr)
    for err in errors:
        print(f"error: {err}", file=sys.stderr)
    if errors:
        print(f"{len(errors)} problem(s)", file=sys.stderr)
        return 1
    print(ok_msg)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A school's 考核细则 as a sheet: the same Spec, laid out as rows a director can edit in Excel.

Columns: 类别 | 名称 | 所属项目 | 方式 | 分值 | 上限 | 参数 | 原文 | 说明. 类别 is one of 设置 / 项目 / 扣分 /
等次 / 策略, and for hour rules and obligations 学时 / 学时上限 / 学时要求 / 阶段 / 关联 / 等级 / 要求
(see spec/sheet_hours.py). 参数 holds `键=值` pairs, one per line;
lists inside a value are separated by 、. `spec_to_rows` and `rows_to_mapping` are inverses: the mapping
goes through the same `deserialize` as YAML.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
from typing import Any

from xlrubric.errors import RulesError
from xlrubric.readers.raw import RawBook, RawSheet, cell_address
from xlrubric.readers.text import cell_text, normalize_label, parse_number
from xlrubric.spec.load import deserialize
from xlrubric.spec.model import DERIVE_LABELS, KIND_LABELS, Spec
from xlrubric.spec.model import INPUT_LABELS as INPUT_LABELS_STYLE
from xlrubric.spec.sheet_hours import CATEGORIES as HOUR_CATEGORIES
from xlrubric.spec.sheet_hours import HOUR_SETTINGS, hour_rows, read_row, read_setting
from xlrubric.spec.words import read_word_row, word_rows

RULES_SHEET = "考核细则"
COLUMNS = ["类别", "名称", "所属项目", "方式", "分值", "上限", "参数", "原文", "说明"]
SETTINGS = {  # 设置 row name -> Spec field
    "编号": "id", "细则名称": "name", "学校": "school", "出处": "seed", "学期": "term",
    "开始日期": "period.start", "结束日期": "period.end", "总分": "rubric.total",
    "等次分制": "rubric.band_scale", "总分原文": "rubric.quote", "录入方式": "rubric.input",
}
ITEM_PARAMS = {"别名": "aliases", "截止日期": "deadline", "基本要求": "requirement"}
DEDUCTION_PARAMS = {"应有项目": "components", "起扣项目数": "required", "填写": "input", "迟交": "late",
                    "推算": "derive", "策略": "policy", "基本要求": "requirement", "别名": "aliases",
                    "份数": "pieces"}
INPUT_LABELS = {"present": "已有项目数", "missing": "缺少项目数"}
LIST_FIELDS = {"aliases", "components"}


def _params(text: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in str(text or "").splitlines():
        if "=" in line:
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip()
    return out


def _fmt_params(pairs: list[tuple[str, Any]]) -> str:
    lines = []
    for key, value in pairs:
        if value in (None, "", [], False):
            continue
        if isinstance(value, list):
            value = "、".join(str(v) for v in value)
        elif value is True:
            value = "是"
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        lines.append(f"{key}={value}")
    return "\n".join(lines)


def _num(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def spec_to_rows(spec: Spec) -> list[list[Any]]:
    """The 考核细则 sheet for a spec: header row first."""
    rows: list[list[Any]] = [COLUMNS]

    def add(cat, name="", item="", how="", value=None, cap=None, params="", quote="", note=""):
        rows.append([cat, name, item, how, _num(value), _num(cap), params, quote, note])

    flat = spec.model_dump(mode="json")
    for label, path in SETTINGS.items():
        value: Any = flat
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if label == "录入方式" and value:
            value = INPUT_LABELS_STYLE[value]
        if value not in (None, ""):
            add("设置", label, params=_num(value))
    for column, words in spec.synonyms.items():
        add("设置", "同义列名", column, params="、".join(words))
    for name, column, word, param in word_rows(spec):
        add("设置", name, column, word, params=param)
    if spec.rubric:
        for item in spec.rubric.items:
            add("项目", item.name, value=item.full, quote=item.quote,
                params=_fmt_params([("别名", item.aliases), ("截止日期", item.deadline and item.deadline.isoformat()),
                                    ("基本要求", item.requirement)]))
            for d in item.deductions:
                add("扣分", d.event, item.name, KIND_LABELS[d.kind], d.points or None, d.cap, quote=d.quote,
                    params=_fmt_params([
                        ("应有项目", d.components), ("起扣项目数", d.required),
                        ("填写", INPUT_LABELS[d.input] if d.kind == "per_missing" else None),
                        ("迟交", d.late), ("推算", d.derive and DERIVE_LABELS[d.derive]), ("策略", d.policy),
                        ("基本要求", d.requirement), ("别名", d.aliases), ("份数", d.pieces)]))
        for band in spec.rubric.bands:
            add("等次", band.name, value=band.min, cap=band.max, quote=band.quote,
                params=_fmt_params([("比例上限", band.quota is not None and f"{band.quota:.0%}")]))
    for p in spec.policies:
        add("策略", p.title, p.id, p.choice, quote="\n".join(p.quotes), note=p.question,
            params="\n".join([f"类型={p.kind}"] + ([f"涉及={'、'.join(p.items)}"] if p.items else [])
                              + [f"选项{k}={v}" for k, v in p.options.items()]))
    for cat, name, item, how, value, cap, pairs, quote in hour_rows(spec):
        add(cat, name, item, how, value, cap, params=_num(pairs[0][1]) if cat == "设置" else _fmt_params(pairs),
            quote=quote)
    return rows


def header_row(rows: list[list[Any]]) -> int | None:
    """The 0-based index of the first row with a 类别 cell: the 考核细则 sheet's header (None when there is none)."""
    return next((i for i, r in enumerate(rows) if any(normalize_label(c) == "类别" for c in r)), None)


def rows_to_mapping(rows: list[list[Any]], *, origin: str = "", sheet: str = RULES_SHEET) -> dict[str, Any]:
    """Read the 考核细则 sheet's rows (first non-empty row with 类别 is the header) into a mapping."""
    header_at = header_row(rows)
    if header_at is None:
        raise RulesError("找不到表头（第一列应为「类别」）", file=origin or None, sheet=sheet)
    col = {normalize_label(c): j for j, c in enumerate(rows[header_at]) if c not in (None, "")}
    missing = [c for c in ("类别", "名称") if normalize_label(c) not in col]
    if missing:
        raise RulesError(f"表头缺少列：{'、'.join(missing)}", file=origin or None, sheet=sheet,
                         cell=cell_address(header_at, 0))

    def get(row: list[Any], name: str) -> Any:
        j = col.get(normalize_label(name))
        return row[j] if j is not None and j < len(row) else None

    def number(row: list[Any], name: str, r: int) -> float | None:
        value, _ = parse_number(get(row, name))
        raw = get(row, name)
        if value is None and raw not in (None, ""):
            j = col[normalize_label(name)]
            raise RulesError(f"「{name}」应为数字，读到「{raw}」", file=origin or None, sheet=sheet,
                             cell=cell_address(r, j))
        return value

    out: dict[str, Any] = {"policies": []}
    rubric: dict[str, Any] = {"items": [], "bands": []}
    items: dict[str, dict[str, Any]] = {}
    for r in range(header_at + 1, len(rows)):
        row = rows[r]
        cat = cell_text(get(row, "类别"))
        name = cell_text(get(row, "名称"))
        if not cat and not name:
            continue
        params = _params(get(row, "参数"))
        quote = cell_text(get(row, "原文"))
        where = {"file": origin or None, "sheet": sheet, "cell": cell_address(r, col[normalize_label("类别")])}
        if cat == "设置":
            if name == "同义列名":
                out.setdefault("synonyms", {})[cell_text(get(row, "所属项目"))] = [
                    w for w in cell_text(get(row, "参数")).split("、") if w]
                continue
            if read_setting(out, name, cell_text(get(row, "参数"))):
                continue
            if read_word_row(out, name, cell_text(get(row, "所属项目")), cell_text(get(row, "方式")),
                             cell_text(get(row, "参数"))):
                continue
            if name not in SETTINGS:
                raise RulesError(f"未知的设置「{name}」；可用：{'、'.join([*SETTINGS, *HOUR_SETTINGS])}", **where)
            value: Any = cell_text(get(row, "参数"))
            target = out
            *parents, leaf = SETTINGS[name].split(".")
            for part in parents:
                target = rubric if part == "rubric" else target.setdefault(part, {})
            if leaf in ("total", "band_scale"):
                value = parse_number(value)[0]
            target[leaf] = value
        elif cat == "项目":
            item = {"name": name, "full": number(row, "分值", r), "quote": quote, "deductions": []}
            for label, key in ITEM_PARAMS.items():
                if label in params:
                    item[key] = params[label].split("、") if key in LIST_FIELDS else params[label]
            items[name] = item
            rubric["items"].append(item)
        elif cat == "扣分":
            owner = cell_text(get(row, "所属项目"))
            if owner not in items:
                raise RulesError(f"扣分事项「{name}」的所属项目「{owner}」没有在它之前的「项目」行中定义", **where)
            d: dict[str, Any] = {"event": name, "kind": cell_text(get(row, "方式")) or "每次", "quote": quote}
            points, cap = number(row, "分值", r), number(row, "上限", r)
            if points is not None:
                d["points"] = points
            if cap is not None:
                d["cap"] = cap
            for label, key in DEDUCTION_PARAMS.items():
                if label not in params:
                    continue
                v: Any = params[label]
                if key in LIST_FIELDS:
                    v = [w for w in v.split("、") if w]
                elif key == "late":
                    v = v in ("是", "1", "true", "True")
                elif key == "input":
                    v = {"已有项目数": "present", "缺少项目数": "missing"}.get(v, v)
                elif key in ("required", "pieces"):
                    v = int(parse_number(v)[0] or 0)
                d[key] = v
            items[owner]["deductions"].append(d)
        elif cat == "等次":
            band: dict[str, Any] = {"name": name, "min": number(row, "分值", r), "max": number(row, "上限", r),
                                    "quote": quote}
            if "比例上限" in params:
                q = params["比例上限"].rstrip("%％")
                band["quota"] = float(q) / 100 if params["比例上限"][-1:] in "%％" else float(q)
            rubric["bands"].append(band)
        elif cat == "策略":
            options = {k[2:]: v for k, v in params.items() if k.startswith("选项")}
            out["policies"].append({
                "id": cell_text(get(row, "所属项目")), "title": name, "kind": params.get("类型", "歧义"),
                "question": cell_text(get(row, "说明")), "choice": cell_text(get(row, "方式")),
                "options": options, "quotes": [q for q in quote.split("\n") if q],
                "items": [w for w in params.get("涉及", "").split("、") if w]})
        elif cat in HOUR_CATEGORIES:
            read_row(out, cat, name, cell_text(get(row, "所属项目")), cell_text(get(row, "方式")),
                     number(row, "分值", r), number(row, "上限", r), params, quote)
        elif cat == "数据":          # older sheets kept 学时/要求 as YAML in one cell
            import yaml

            out[name] = yaml.safe_load(str(get(row, "参数") or ""))
        else:
            raise RulesError(f"未知的类别「{cat}」；应为 设置/项目/扣分/等次/策略/{'/'.join(HOUR_CATEGORIES)}", **where)
    if rubric["items"] or "total" in rubric:
        out["rubric"] = rubric
    return out


def spec_from_sheet(sheet: RawSheet, *, origin: str = "") -> Spec:
    """The sheet's rules as a fresh Spec; parsed and validated once per distinct sheet content.

    Why a cache: a county batch reads the same 考核细则 sheet in every school's workbook (200 schools: 200
    parses and pydantic validations of the same rows, about 2.5 ms each). The key is a SHA-256 of the rows'
    `repr`, which tells every cell's value and type apart (1, 1.0 and True; a date and a datetime; a trailing
    space), so a sheet differing in any cell misses; a digest keeps a huge pasted sheet from being held 16
    times. Only a successful parse is kept: a sheet with a mistake is read again and raises its error (naming
    this file) every time. Each caller gets its own copy, unpickled from the bytes pickled once (as
    `load_preset` does): callers may change a spec's policies, and nothing they do reaches the cache or another
    caller's copy. `origin` names the file only in errors, never in the Spec.
    """
    key = hashlib.sha256(repr(sheet.rows).encode("utf-8", "surrogatepass")).digest()
    with _SPEC_LOCK:
        blob = _SPEC_CACHE.get(key)
    if blob is None:
        spec = deserialize(rows_to_mapping(sheet.rows, origin=origin, sheet=sheet.name), origin=origin)
        blob = pickle.dumps(spec, protocol=pickle.HIGHEST_PROTOCOL)
        with _SPEC_LOCK:
            if len(_SPEC_CACHE) >= SPEC_CACHE_SIZE:
                del _SPEC_CACHE[next(iter(_SPEC_CACHE))]      # the oldest entry: a batch has one or two sheets
            _SPEC_CACHE[key] = blob
    return pickle.loads(blob)


SPEC_CACHE_SIZE = 16
_SPEC_CACHE: dict[bytes, bytes] = {}     # digest of repr(rows) -> pickled Spec, oldest first
_SPEC_LOCK = threading.Lock()            # `xlrubric serve` computes in threads


def spec_from_book(book: RawBook) -> Spec | None:
    """The workbook's own rules, or None when it has no 考核细则 sheet."""
    sheet = book.sheet(RULES_SHEET)
    return None if sheet is None else spec_from_sheet(sheet, origin=book.name)

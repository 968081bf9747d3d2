"""县汇总.xlsx: the county's one-page view of every school, ready to print for the 教体局.

A new workbook (XlsxWriter), built only from the manifest and the per-output problem files, so it can be
rebuilt at any time — the mail step calls `write_county_summary` again with its send log to add a
发送记录 sheet. Everything a school typed (its name, a problem's cell value) is written with
`write_string` and the workbook refuses to turn strings into formulas, URLs or numbers: a school named
"=HYPERLINK(…)" stays text.

Province scale (20,000 schools, a million problems): the workbook is written in XlsxWriter's constant-memory
mode straight into the atomic temp file (rows go to disk as they are written, so memory does not grow with
the problem count), 问题清单 keeps what a sheet can hold and links the complete list as a CSV
(batch/problem_list.py), and the charts are drawn for at most `CHART_SCHOOLS` schools (a bar per school is
unreadable past that; the figures stay in 学校汇总). The shared factory `writers.xlsx_format.new_workbook`
is not used: it builds in memory, which XlsxWriter cannot combine with constant memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xlsxwriter

from xlrubric.atomic import atomic_output
from xlrubric.batch.discover import HINT, SUMMARY_NAME
from xlrubric.batch.manifest import Entry, Manifest
from xlrubric.batch.problem_list import MAX_LINKS, write_problems_sheet
from xlrubric.safetext import CELL_LIMIT, clean

STATUS_TEXT = {"ok": "正常", "problems": "有问题", "unreadable": "无法读取"}
SCHOOL_WIDTH = 22
FILE_WIDTH = 28
OUTPUT_WIDTH = 30
CHART_SCHOOLS = 300           # one bar per school: past this a chart is a grey smear
SEND_COLUMNS = [("学校", "school", 24), ("地址", "address", 28), ("状态", "state", 10), ("时间", "time", 20),
                ("Message-ID", "message_id", 36), ("回复", "reply", 40)]


def write_county_summary(outdir: Path, manifest: Manifest, send_log: list[dict] | None = None) -> Path:
    """Write OUTDIR/县汇总.xlsx from the manifest (and the send log when given); return its path.

    `send_log` rows are dicts with keys school, address, state, time, message_id, reply (missing keys
    are left blank).
    """
    outdir = Path(outdir)
    entries = [manifest.entries[k] for k in sorted(manifest.entries)]
    target = outdir / SUMMARY_NAME
    with atomic_output(target) as f:
        wb = xlsxwriter.Workbook(f, {"constant_memory": True, "tmpdir": str(outdir), "strings_to_formulas": False,
                                     "strings_to_urls": False, "strings_to_numbers": False})
        wb.set_properties({"title": "县域校本研修考核汇总", "comments": "由 xlrubric batch 生成"})
        fmt = _formats(wb)
        bands, label = _schools_sheet(wb, fmt, entries)
        write_problems_sheet(wb, fmt, outdir, entries, school_name, _print_setup, _header, _fit_row)
        _unreadable_sheet(wb, fmt, entries, manifest.left_out)
        _charts_sheet(wb, fmt, entries, bands, label)
        if send_log is not None:
            _send_sheet(wb, fmt, send_log)
        wb.close()
    return target


def _formats(wb) -> dict[str, Any]:
    base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
    return {
        "head": wb.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                               "align": "center"}),
        "text": wb.add_format({**base, "border": 1}),
        "wrap": wb.add_format({**base, "border": 1, "text_wrap": True}),
        "int": wb.add_format({**base, "border": 1, "num_format": "0"}),
        "num": wb.add_format({**base, "border": 1, "num_format": "0.00"}),
        "pct": wb.add_format({**base, "border": 1, "num_format": "0%"}),
        "bad": wb.add_format({**base, "border": 1, "font_color": "#9C0006", "bg_color": "#FFC7CE"}),
        "warn": wb.add_format({**base, "border": 1, "font_color": "#9C5700", "bg_color": "#FFEB9C"}),
        "good": wb.add_format({**base, "border": 1, "font_color": "#006100", "bg_color": "#C6EFCE"}),
        "link": wb.add_format({**base, "border": 1, "font_color": "#0563C1", "underline": 1, "text_wrap": True}),
        "note": wb.add_format({**base, "italic": True, "font_color": "#595959"}),
        "warn_wrap": wb.add_format({**base, "font_color": "#9C5700", "bg_color": "#FFEB9C", "text_wrap": True,
                                    "valign": "top"}),
        "note_wrap": wb.add_format({**base, "italic": True, "font_color": "#595959", "text_wrap": True,
                                    "valign": "top"}),
    }


def _print_setup(ws, title: str, columns: list[tuple[str, float]], *, top: int = 0) -> None:
    """A4 as pagesetup.py plans it for these columns (legible type; a wide table in page groups that
    repeat 序号/学校), the header row repeated, the title and page numbers on every page."""
    from xlrubric.writers.pagesetup import apply_xlsxwriter, plan_pages

    apply_xlsxwriter(ws, plan_pages([name for name, _ in columns], [w for _, w in columns], header_lines=2),
                     header_row=top)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.set_header(f"&C&\"宋体,Bold\"&12{title.replace('&', '&&')}")
    if columns:
        ws.freeze_panes(top + 1, 0)


def _header(ws, fmt, columns: list[tuple[str, float]], *, row: int = 0) -> None:
    """The header row, as tall as its longest wrapped name ("达标率（学时或各项达标要求）"); its height set
    first: constant-memory rows are final once the next one starts."""
    ws.set_row(row, 32)
    _fit_row(ws, row, columns)
    for j, (name, width) in enumerate(columns):
        ws.write_string(row, j, name, fmt["head"])
        ws.set_column(j, j, width)


def _text(ws, r: int, c: int, value: Any, f) -> None:
    ws.write_string(r, c, clean(value, CELL_LIMIT, multiline=True), f)   # surrogates/controls never reach XML


def _number(ws, r: int, c: int, value: Any, f) -> None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        ws.write_number(r, c, value, f)
    else:
        ws.write_blank(r, c, None, f)


def _fit_row(ws, r: int, cells: list[tuple[Any, float]]) -> None:
    """Set a row's height for its wrapped text: XlsxWriter cannot autofit, and LibreOffice and WPS do not
    re-measure on opening (lines counted as pagesetup.py counts them for every sheet we write)."""
    from xlrubric.writers.pagesetup import LINE_POINTS
    from xlrubric.writers.textwidth import text_lines

    most = max((text_lines(text, width) for text, width in cells), default=1)
    if most > 1:
        ws.set_row(r, LINE_POINTS * most + 2)


def school_name(entry: Entry) -> str:
    """The school's name as it wrote it (callers pass it through `clean` for their sink)."""
    return str(entry.summary.get("school") or Path(entry.input).stem)


def same_school_notes(entries: list[Entry], *, short: bool = False) -> list[str]:
    """One note per school name that more than one computed workbook carries (or per identical file), with
    what to do: a school that sent a corrected copy ("兰西四中.xlsx" and "兰西四中(1).xlsx", both saved from
    the same chat) would otherwise stand twice in 学校汇总, in the charts and in the mail, old figures beside
    new, with nothing saying which one counts. Two different schools that wrote the same short name
    ("中心小学") are told apart by writing the full name; the note says that too."""
    groups: dict[tuple[str, str], list[Entry]] = {}
    for e in entries:
        if e.status == "unreadable":
            continue
        named = "".join(str(e.summary.get("school") or "").split())
        groups.setdefault(("name", named) if named else ("file", e.input_sha256), []).append(e)
    notes = []
    for same in groups.values():
        if len(same) < 2:
            continue
        name = school_name(same[0])
        identical = len({e.input_sha256 for e in same}) == 1
        if short:        # under 学校汇总, whose 文件 column names the files
            notes.append(f"注意：「{name}」有 {len(same)} 行{'（文件内容完全相同）' if identical else ''}。"
                         "同一学校报送了多份的，只保留最后一份后重新运行；不同学校同名的，请写全校名")
            continue
        notes.append(f"「{name}」出现在 {len(same)} 个工作簿中：{'、'.join(e.input for e in same)}"
                     f"{'（内容完全相同）' if identical else ''}，县汇总中各占一行"
                     f"{HINT}如果是同一所学校报送了多份，请确认哪一份是最后报送的，把其他的移出县域文件夹后重新运行；"
                     "如果是不同学校同名，请在各自工作簿中写全校名")
    return notes


def met_label(entries: list[Entry]) -> str:
    """What the 达标率 column measures: one preset kind's own name, or the general one for a mix."""
    labels = {e.summary.get("met_label") or "学时达标率" for e in entries
              if "hours_met_rate" in e.summary or e.summary.get("hours_pending")}
    return labels.pop() if len(labels) == 1 else "达标率（学时或各项达标要求）"


def _schools_sheet(wb, fmt, entries: list[Entry]) -> tuple[list[str], str]:
    """One row per school; returns the 等次 names and the 达标率 label (for the charts)."""
    ws = wb.add_worksheet("学校汇总")
    bands: list[str] = []
    for e in entries:
        bands += [b for b in (e.summary.get("bands") or {}) if b not in bands]
    has_rate = any("hours_met_rate" in e.summary or e.summary.get("hours_pending") for e in entries)
    scales = sorted({float(e.summary["full_marks"]) for e in entries if e.summary.get("full_marks")})
    cols = [("序号", 5), ("学校", SCHOOL_WIDTH), ("文件", FILE_WIDTH), ("教师人数", 7), ("满分", 6),
            *[(f"平均总分（{f:g}分制）", 9) for f in scales],
            ("最高分", 7), ("中位数", 7), ("最低分", 7), ("标准差", 7)]
    band_start = len(cols)
    cols += [(f"{b}（人）", 7) for b in bands]
    cols += [("等次名额是否符合", 9)]     # quota_ok: every 等次 quota of the rules holds (not a share)
    label = met_label(entries)
    if has_rate:
        cols += [(label, 10)]
    cols += [("错误", 6), ("警告", 6), ("提示", 6), ("状态", 9), ("结果文件", OUTPUT_WIDTH)]
    _header(ws, fmt, cols)
    for i, e in enumerate(entries, start=1):
        s = e.summary
        status = STATUS_TEXT.get(e.status, e.status)
        school = clean(school_name(e))
        # A long name or path wraps in its column (never cut off at the next cell); the row's height first
        _fit_row(ws, i, [(school, SCHOOL_WIDTH), (e.input, FILE_WIDTH), (e.output, OUTPUT_WIDTH)])
        ws.write_number(i, 0, i, fmt["int"])
        _text(ws, i, 1, school, fmt["wrap"])
        _text(ws, i, 2, e.input, fmt["wrap"])
        _number(ws, i, 3, s.get("teachers", s.get("hours_teachers")), fmt["int"])
        _number(ws, i, 4, s.get("full_marks"), fmt["num"])
        scored = e.status != "unreadable" and bool(s.get("full_marks"))
        # A blank says only "could not be read"; a school whose rules give no score says so.
        for j, f in enumerate(scales):
            if not scored:
                _no_score(ws, i, 5 + j, e, fmt)
            elif float(s["full_marks"]) == f:
                _number(ws, i, 5 + j, s.get("mean_total"), fmt["num"])
            else:
                _text(ws, i, 5 + j, "—", fmt["text"])
        stats = (s.get("max_total"), s.get("median_total"), s.get("min_total"), s.get("stdev_total"))
        for j, v in enumerate(stats, start=5 + len(scales)):
            if scored:
                _number(ws, i, j, v, fmt["num"])
            else:
                _no_score(ws, i, j, e, fmt)
        for j, b in enumerate(bands):      # "—": this school's rules have no such 等次 (or no 等次 at all)
            if e.status != "unreadable" and b not in (s.get("bands") or {}):
                _text(ws, i, band_start + j, "—", fmt["text"])
            else:
                _number(ws, i, band_start + j, (s.get("bands") or {}).get(b), fmt["int"])
        c = band_start + len(bands)
        quota = s.get("quota_ok")
        if e.status == "unreadable":
            _text(ws, i, c, "", fmt["text"])
        elif not s.get("bands"):
            _text(ws, i, c, "—", fmt["text"])
        elif quota is None:                # the rules give 等次 but no 名额: nothing to check
            _text(ws, i, c, "不限名额", fmt["text"])
        else:
            _text(ws, i, c, "符合" if quota else "超出上限", fmt["good"] if quota else fmt["bad"])
        c += 1
        if has_rate:
            _rate(ws, i, c, e, fmt)
            c += 1
        probs = s.get("problems") or {}
        for j, sev in enumerate(("错误", "警告", "提示")):
            _number(ws, i, c + j, probs.get(sev, 0) if e.status != "unreadable" else None, fmt["int"])
        c += 3
        _text(ws, i, c, status, {"正常": fmt["good"], "有问题": fmt["warn"]}.get(status, fmt["bad"]))
        if e.output and i <= MAX_LINKS:
            ws.write_url(i, c + 1, clean("external:" + e.output, 2000), fmt["link"], string=clean(e.output, 2000))
        else:
            _text(ws, i, c + 1, "", fmt["text"])
    if entries:
        ws.autofilter(0, 0, len(entries), len(cols) - 1)
    _key(ws, fmt, len(entries) + 2, entries, scales, bands, has_rate)
    _print_setup(ws, "县域校本研修考核汇总（各校）", cols)
    return bands, label


def _no_score(ws, r: int, c: int, e: Entry, fmt) -> None:
    """"不打分" where the school's rules give no score; a blank only where the file could not be read."""
    if e.status == "unreadable":
        ws.write_blank(r, c, None, fmt["text"])
    else:
        _text(ws, r, c, "不打分", fmt["text"])


def _rate(ws, r: int, c: int, e: Entry, fmt) -> None:
    """达标率 as the school's summary states it: the share; 待核实 (n 人) while some teacher waits on a cell;
    "不考核" where the rules set no 学时 or 达标 requirement; a blank only where the file could not be read
    (or, from a manifest written before `met_assessed` existed, where nothing says which)."""
    s = e.summary
    if e.status != "unreadable" and s.get("hours_pending") and "hours_met_rate" not in s:
        _text(ws, r, c, f"待核实（{s['hours_pending']}人）", fmt["warn"])
    elif e.status != "unreadable" and s.get("met_assessed") is False:
        _text(ws, r, c, NOT_ASSESSED, fmt["text"])
    else:
        _number(ws, r, c, s.get("hours_met_rate"), fmt["pct"])


NOT_ASSESSED = "不考核"
KEY_LINES = {"—": "「—」：该校细则没有这一项（另一种满分，或未设的等次）",
             "不打分": "「不打分」：该校细则不打分",
             NOT_ASSESSED: f"「{NOT_ASSESSED}」：该校细则没有学时或达标要求，不计算达标率",
             "": "空白：文件无法读取（见「无法读取」表）"}


def _key(ws, fmt, row: int, entries: list[Entry], scales: list[float], bands: list[str], has_rate: bool) -> None:
    """A line under the table for each marker the table uses, so a blank is never read as a zero; in the
    学校 column, wrapped, because that column is repeated on every printed page group."""
    readable = [e for e in entries if e.status != "unreadable"]
    scored = [e for e in readable if e.summary.get("full_marks")]
    dash = (len(scales) > 1 and scored) or any(set(bands) - set(e.summary.get("bands") or {}) for e in readable)
    used = [k for k, on in (("—", dash), ("不打分", len(scored) < len(readable)),
                            (NOT_ASSESSED, has_rate and any(e.summary.get("met_assessed") is False for e in readable)),
                            ("", len(readable) < len(entries))) if on]
    lines = [("注：" if n == 0 else "") + KEY_LINES[k] for n, k in enumerate(used)]
    lines += same_school_notes(entries, short=True)
    for n, line in enumerate(lines):  # each row's height set before the next row starts (constant memory)
        _fit_row(ws, row + n, [(line, SCHOOL_WIDTH)])
        _text(ws, row + n, 1, line, fmt["note_wrap"] if n < len(used) else fmt["warn_wrap"])


REOPEN_HINT = "请在 Excel 或 WPS 中打开该文件确认内容正常，另存为 .xlsx 后重新运行"
OURS_HINT = "这是本程序生成的文件或文件夹，不是学校报送的原始工作簿，无需处理"


def _unreadable_sheet(wb, fmt, entries: list[Entry], left_out: list[str]) -> None:
    """Every file that is not in 学校汇总: the unreadable ones, then the ones discovery left out."""
    ws = wb.add_worksheet("无法读取")
    columns = [("学校/文件", 30), ("原因", 46), ("处理办法", 46)]
    _header(ws, fmt, columns)
    rows = []
    for e in entries:
        if e.status == "unreadable":
            message, _, hint = (e.message or "").partition("\n处理办法：")
            rows.append((e.input, message, hint or REOPEN_HINT))
    for note in left_out:
        note, _, hint = note.partition(HINT)
        what, _, why = note.partition("：")
        name = what.partition("「")[2].rpartition("」")[0] or what
        rows.append((name, f"未处理：{why or note}", hint or OURS_HINT))
    for r, (name, message, hint) in enumerate(rows, start=1):
        _fit_row(ws, r, [(name, 30), (message, 46), (hint, 46)])
        _text(ws, r, 0, name, fmt["wrap"])
        _text(ws, r, 1, message, fmt["wrap"])
        _text(ws, r, 2, hint, fmt["wrap"])
    if not rows:
        _text(ws, 1, 1, "所有文件都已读取", fmt["note"])
    _print_setup(ws, "无法读取的文件及处理办法", columns)


def _charts_sheet(wb, fmt, entries: list[Entry], bands: list[str], label: str) -> None:
    """等次 distribution of the schools whose rules have 等次, and the 达标率 of those that report one.

    Each chart reads its own small table below the charts (only the schools it is about), so a school
    without 等次 is not an empty bar. Notes first, then the tables top to bottom: constant-memory rows are
    written in order.
    """
    ws = wb.add_worksheet("图表")
    _print_setup(ws, "等次分布与达标率", [])
    ws.set_landscape()
    ws.fit_to_pages(1, 1)            # both charts on one page (a picture, not text: shrinking is fine)
    ws.hide_gridlines(2)
    banded = [e for e in entries if e.status != "unreadable" and e.summary.get("bands")]
    rated = [e for e in entries if e.status != "unreadable" and e.summary.get("hours_met_rate") is not None]
    many = (f"共 {{}} 所学校，超过 {CHART_SCHOOLS} 所不逐校绘图（每校一条柱子已无法辨认）；"
            "各校数字见「学校汇总」，可筛选排序")
    rate_row = 20 if banded and len(banded) <= CHART_SCHOOLS else 2
    if not banded:
        _text(ws, 0, 0, "各校考核细则均未设等次，没有等次分布图", fmt["note"])
    elif len(banded) > CHART_SCHOOLS:
        _text(ws, 0, 0, "等次分布：" + many.format(len(banded)), fmt["note"])
    if not rated:
        _text(ws, rate_row, 0, "各校工作簿中没有学时或达标数据，未计算达标率", fmt["note"])
    elif len(rated) > CHART_SCHOOLS:
        _text(ws, rate_row, 0, f"{label}：" + many.format(len(rated)), fmt["note"])
    data_row = 42
    if banded and len(banded) <= CHART_SCHOOLS:
        first = data_row
        _text(ws, first, 0, "学校", fmt["head"])
        for j, b in enumerate(bands, start=1):
            _text(ws, first, j, b, fmt["head"])
        for i, e in enumerate(banded, start=first + 1):
            _text(ws, i, 0, school_name(e), fmt["text"])
            for j, b in enumerate(bands, start=1):
                _number(ws, i, j, e.summary["bands"].get(b, 0), fmt["int"])
        last = first + len(banded)
        chart = wb.add_chart({"type": "column", "subtype": "stacked"})
        for j in range(1, len(bands) + 1):
            chart.add_series({"name": ["图表", first, j], "categories": ["图表", first + 1, 0, last, 0],
                              "values": ["图表", first + 1, j, last, j], "gap": 60})
        _chart(ws, chart, 0, f"各校等次分布（人数，{len(banded)}所设等次的学校）", len(banded), {"name": "人数"})
        data_row = last + 2
    if rated and len(rated) <= CHART_SCHOOLS:
        first = data_row
        ws.set_row(first, 32)                  # the label wraps to two lines
        _text(ws, first, 0, "学校", fmt["head"])
        _text(ws, first, 1, label, fmt["head"])
        _fit_row(ws, first, [(label, 12)])     # the label wraps in its 12-wide column: every line shows
        for i, e in enumerate(rated, start=first + 1):
            _text(ws, i, 0, school_name(e), fmt["text"])
            _number(ws, i, 1, e.summary["hours_met_rate"], fmt["pct"])
        last = first + len(rated)
        chart = wb.add_chart({"type": "column"})
        chart.add_series({"name": label, "categories": ["图表", first + 1, 0, last, 0],
                          "values": ["图表", first + 1, 1, last, 1],
                          "fill": {"color": "#70AD47"}, "data_labels": {"value": True, "num_format": "0%"}})
        _chart(ws, chart, rate_row, f"各校{label}", len(rated), {"min": 0, "max": 1, "num_format": "0%"})
    ws.set_column(0, 0, 22)
    ws.set_column(1, max(1, len(bands)), 12)


def _chart(ws, chart, row: int, title: str, n: int, y_axis: dict[str, Any]) -> None:
    chart.set_title({"name": title})
    chart.set_x_axis({"num_font": {"rotation": -45}})
    chart.set_y_axis({"major_gridlines": {"visible": True}, **y_axis})
    chart.set_legend({"position": "top"} if "name" in y_axis else {"none": True})
    chart.set_size({"width": min(max(760, 40 * n), 4000), "height": 380})
    ws.insert_chart(row, 0, chart)


def _send_sheet(wb, fmt, send_log: list[dict]) -> None:
    ws = wb.add_worksheet("发送记录")
    _header(ws, fmt, [(name, width) for name, _, width in SEND_COLUMNS])
    for r, row in enumerate(send_log, start=1):
        _fit_row(ws, r, [(row.get(key), width) for _, key, width in SEND_COLUMNS])
        for j, (_, key, _) in enumerate(SEND_COLUMNS):
            _text(ws, r, j, row.get(key), fmt["wrap"])
    if send_log:
        ws.autofilter(0, 0, len(send_log), len(SEND_COLUMNS) - 1)
    _print_setup(ws, "结果发送记录", [(name, width) for name, _, width in SEND_COLUMNS])

"""The rubric tables of seeds 000 and 003 as a school has them — built in code as Word, Excel and text.

The rows are transcribed from ../shared/seeds/000_41ebd3535f7928ca.txt and 003_cd7e69dd1c0a2d67.txt
(input, not expected output). The builders lay them out the way schools do: a title above the table,
the 权重 header carrying the total on a second line, seed 000's 研修记录 spanning two rows with its 项目
and 权重 cells merged, seed 003's 阶段 cell merged down the whole table and the 等次 line under it.
"""

from __future__ import annotations

from pathlib import Path

SEEDS = Path("/work/shared/seeds")           # the seed documents live beside the repository, not in it

XINGHUO_TITLE = ["兰西县星火乡第一中学", "2020－2021学年度校本研修考核细则"]
XINGHUO_HEADER = ["项目", "权重\n（30分）", "基本要求", "考核标准"]
XINGHUO_ROWS = [
    ["研修计划", "5分", "切合个人实际和县本、校本培训要求，做好个人研修计划，要具有可操作性。",
     "偏离三个主题或应付了事的扣1分，迟交的扣0.5分，不上交的不得分。"],
    ["参训考勤", "3分", "学校组织的集中学习或研修活动（分学科或学年组）都要组织教师签到。",
     "每少1次签到扣1分；旷训较多的每次扣0.5分。"],
    ["研修记录", "5分", "教师要按时参加学校组织的集中学习或领导专题讲座活动，并做好记录。",
     "每少参加一次扣1分，少写一次学习记录扣0.5分。"],
    ["", "", "分学科做好研修记录（要求图文并茂），并做好活动影视资料留存。",
     "每少1次记录扣1分；活动过程和内容不详实的每次扣0.5分。"],
    ["说课材料、课件、教学实录或教学设计", "7分",
     "按时间节点参加研修活动，并在活动结束后将相应的说课材料或教学设计及时上交备案、存档。",
     "不按时上交资料的每次扣1分，没有体现分层教学或应用现代教育技术辅助教学的扣0.5分。"],
    ["学习心得、感悟或教学反思", "5分",
     "参训教师要参训教师要分阶段做好研修心得或教学反思，心得体会或教学反思的内容要与研修内容相符。",
     "每少一次扣1分，不按时上交的扣0.5分。"],
    ["研修总结", "5分", "培训结束后，每位教师要撰写一篇研修总结，做到主题鲜明、结构严谨、内容完整、详略得当、"
     "文从字顺。研修总结一般包括基本情况、肯定成绩、找出缺点、今后打算等。",
     "偏离研修主题和研修内容撰写的扣1分；项目不全（少于三项的），每少一项扣1分。"],
]
XINGHUO_MERGES = [(3, 0, 4, 0), (3, 1, 4, 1)]      # 研修记录: 项目 and 权重 over its two rows (table rows)

LANXI4_TITLE = ["兰西四中2025-2026学年度上学期校本培训总结", "四、制定了量化考核细则"]
LANXI4_HEADER = ["阶段", "项目", "权重", "基本要求", "考核标准"]
LANXI4_ROWS = [
    ["校本研修", "计划", "5分", "各学科组制定学科研修计划，每名教师制定个人研修计划，内容包括研学目标、研学主题、"
     "研学方式、研学流程及保障措施等。", "未及时提交扣0.5分；未围绕研修主题扣1分；项目不全扣1分；"],
    ["", "参与情况", "5分", "及时参加校本教研活动，听课、评课、专题讲座。",
     "迟到、间缺、早退一次扣0.5分；每少参加一次研修活动扣1分"],
    ["", "心得体会", "10分", "在法治培训讲座中结合本校实际情况，撰写心得体会2篇。心得体会一般包括事情概述、"
     "收获或认识、今后打算等。", "未紧紧围绕学校实际情况撰写的扣2分；项目不全（少于三项的），每少一项扣2分。"],
    ["", "评课\n\n材料", "10分", "评课时切忌官话套话，提出自己的想法和建议要有针对性，对授课教师和课堂\n\n"
     "作出的评价要恰如其分，才能达到取长补短、互相促进、共同提高的目的。",
     "评课时要有优缺点和整改措施；项目不全，每少一项扣1分。"],
    ["", "教学反思", "10分", "出课教师要有反思，体现出新课改精神，要举一反三，对今后教学有指导意义。",
     "未紧紧围绕主题教学撰写教学反思的扣2分；项目不全，每少一项扣1分。"],
    ["", "研修总结", "10分", "根据“校本研修”活动，写1篇研修总结。研修总结一般包括基本情况、肯定成绩、找出缺点、"
     "今后打算等。", "未紧紧围绕“校本研修”活动撰写的扣2分；项目不全，每少一项扣1分。"],
]
LANXI4_MERGES = [(1, 0, 6, 0)]                      # 阶段 校本研修 down the whole table
LANXI4_AFTER = ["综合考核实行等级考核法：优秀等次不超过参训教师总数的40%，分值为",
                "40-36分；良好35.9-24分；一般23分以下。"]

TABLES = {
    "xinghuo": (XINGHUO_TITLE, XINGHUO_HEADER, XINGHUO_ROWS, XINGHUO_MERGES, []),
    "lanxi4": (LANXI4_TITLE, LANXI4_HEADER, LANXI4_ROWS, LANXI4_MERGES, LANXI4_AFTER),
}
SEED_FILES = {"xinghuo": "000_41ebd3535f7928ca.txt", "lanxi4": "003_cd7e69dd1c0a2d67.txt"}


def seed_text(preset: str) -> str | None:
    """The seed document itself, as pasted from Word (the whole plan, with the table inside it), if present."""
    path = SEEDS / SEED_FILES[preset]
    return path.read_text(encoding="utf-8") if path.exists() else None


def word_paste_text(preset: str) -> str:
    """The table as Word puts it on the clipboard (see `word_paste`)."""
    title, header, rows, _, after = TABLES[preset]
    return word_paste(title, [header, *rows], after)


def word_paste(title: list[str], table: list[list[str]], after: list[str]) -> str:
    """Every cell on a line led by a tab, a cell's further lines untabbed, a blank line after each row;
    the text around the table as plain paragraphs."""
    lines = [*title]
    for row in table:
        for cell in row:
            first, *rest = cell.split("\n")
            lines += ["\t" + first, *rest]
        lines.append("")
    return "\n".join([*lines, "", *after]) + "\n"


def tsv_text(preset: str) -> str:
    """The table as Excel puts it on the clipboard: tab-separated, cells with line breaks quoted."""
    title, header, rows, _, after = TABLES[preset]

    def cell(c: str) -> str:
        return f'"{c}"' if "\n" in c else c
    lines = [*title, "\t".join(map(cell, header)), *("\t".join(map(cell, r)) for r in rows), *after]
    return "\n".join(lines) + "\n"


def write_xlsx(preset: str, path: Path) -> Path:
    """An Excel sheet: a merged title row, a blank row, the table with its merged cells, the 等次 line."""
    import xlsxwriter

    title, header, rows, merges, after = TABLES[preset]
    wb = xlsxwriter.Workbook(str(path))
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    ws = wb.add_worksheet("考核细则（学校）")
    ws.merge_range(0, 0, 0, len(header) - 1, "\n".join(title), wrap)
    top = 2                                          # a blank row between the title and the table
    ws.write_row(top, 0, header, wrap)
    table = [header, *rows]
    for r0, c0, r1, c1 in merges:
        ws.merge_range(top + r0, c0, top + r1, c1, table[r0][c0], wrap)
    merged = {(r, c) for r0, c0, r1, c1 in merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if (r, c) not in merged and value:
                ws.write_string(top + r, c, value, wrap)
    for k, line in enumerate(after):
        ws.write_string(top + len(rows) + 2 + k, 0, line)
    wb.close()
    return path


def write_docx(preset: str, path: Path) -> Path:
    """A Word document: title paragraphs, the table with vertically merged cells, the 等次 paragraph."""
    import docx

    title, header, rows, merges, after = TABLES[preset]
    document = docx.Document()
    for line in title:
        document.add_paragraph(line)
    table_rows = [header, *rows]
    table = document.add_table(rows=len(table_rows), cols=len(header))
    for r, row in enumerate(table_rows):
        for c, value in enumerate(row):
            if value:
                table.cell(r, c).text = value
    for r0, c0, r1, c1 in merges:
        keep = table.cell(r0, c0).text
        table.cell(r0, c0).merge(table.cell(r1, c1)).text = keep
    for line in after:
        document.add_paragraph(line)
    document.save(str(path))
    return path

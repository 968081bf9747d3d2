"""The catalogue of reasons a file cannot be read, each with its Chinese text and what to do.

One table instead of strings scattered through the readers, so every unreadable file is worded the same
way in the CLI, the batch summary and the add-in, and tests can check each reason by its slug.
The raised error is always `UnreadableWorkbook`; its `reason` attribute carries the slug (batch uses
it, e.g. to skip lock files silently).
"""

from __future__ import annotations

from xlrubric.errors import UnreadableWorkbook

_SAVE_AS = "请在 Excel 或 WPS 中打开后另存为 .xlsx，再重新运行"

REASONS: dict[str, tuple[str, str]] = {
    "missing": ("找不到文件或无法打开（{detail}）", "请确认路径正确、文件存在并且有读取权限"),
    "lock-file": ("这是 Excel/WPS 打开工作簿时生成的临时锁定文件（~$ 开头），不是工作簿",
                  "请处理同一文件夹中不带 ~$ 的原文件；若 Excel 已关闭仍留有此文件，可以直接删除它"),
    "growing": ("文件可能仍在写入或复制中，请稍后再试", "等保存或复制完成后重新运行"),
    "empty": ("文件是空的（0 字节）", "请确认文件已完整保存或下载，再重新运行"),
    "truncated": ("文件不完整：文件可能仍在写入或复制中，请稍后再试",
                  "如果文件早已复制完成，说明它已损坏：请从原处重新复制，或向学校重新索取"),
    "corrupt": ("文件已损坏，无法作为工作簿读取（{detail}）",
                "请在 Excel 或 WPS 中打开（必要时用“打开并修复”）后另存为 .xlsx，或向学校重新索取文件"),
    "not-workbook": ("这是一个压缩包，但不是 Excel 工作簿（缺少 xl/workbook.xml）",
                     "请确认选择了正确的文件：Word、PPT 文档或其他压缩包不能作为考核工作簿"),
    "xlsb": ("这是二进制工作簿（.xlsb），本工具不读取该格式", "请在 Excel 中另存为 .xlsx，再重新运行"),
    "ods": ("这是 OpenDocument 表格（.ods），本工具不读取该格式", _SAVE_AS),
    "ole-other": ("这是 Word/PPT 等其他 Office 旧格式文档，不是 Excel 工作簿", "请确认选择了正确的文件"),
    "encrypted": ("工作簿设置了打开密码", "请用 --password 提供密码，或在 Excel 中另存为无密码的副本"),
    "wrong-password": ("密码不正确，无法打开工作簿",
                       "请核对 --password 提供的密码（区分大小写），或在 Excel 中另存为无密码的副本"),
    "decrypt-failed": ("工作簿的加密方式无法解密（{detail}）", "请在 Excel 中另存为无密码的副本后再运行"),
    "html": ("这是网页格式（HTML）另存的文件，不是真正的 Excel 工作簿", "请在 Excel 中打开后另存为 .xlsx"),
    "xml-2003": ("这是 Excel 2003 XML 表格，不是 .xlsx 工作簿", "请在 Excel 中打开后另存为 .xlsx"),
    "text": ("这是文本/CSV 文件（可能只是改了扩展名），不是 Excel 工作簿",
             "请在 Excel 或 WPS 中打开后另存为 .xlsx（注意选择正确的编码）"),
    "unknown": ("无法识别的文件格式，不是 Excel 工作簿", "请确认选择了正确的文件，或在 Excel 中另存为 .xlsx"),
    "too-big": ("压缩包解压后过大（约 {size}，上限 {limit}），为防止恶意文件耗尽内存已拒绝读取",
                "若确为正常工作簿，请删除无用的工作表、图片或空白区域后重新保存"),
    "zip-bomb": ("压缩包中的「{member}」压缩比异常（{ratio}:1），疑似“压缩炸弹”，已拒绝读取",
                 "正常的工作簿不会这样：请向学校确认文件来源，或在 Excel 中打开后另存为新的 .xlsx"),
    "part-too-big": ("压缩包中的「{member}」解压后有 {size}，超过上限 {limit}，疑似“压缩炸弹”，已拒绝处理",
                     "正常的工作簿不会这样：请向学校确认文件来源，或在 Excel 中打开后另存为新的 .xlsx"),
    "unsafe-xml": ("文件中的「{member}」含有 DOCTYPE/实体声明，正常的 Excel 文件不会有，疑似恶意文件，已拒绝读取",
                   "请在 Excel 中打开后另存为新的 .xlsx，再重新运行"),
    "sheet-too-large": ("工作表的使用区域过大：最后一个有内容的单元格在 {cell}，共约 {cells} 个单元格，"
                        "超过上限 {limit}",
                        "通常是在很远的位置误输入了内容：请在 Excel 中按 Ctrl+End 找到它，删除多余的行和列后保存"),
    "too-many-rows": ("工作表有 {rows} 行，超过上限 {limit} 行（为防止耗尽内存，没有读取）",
                      "通常是误填或粘贴了大量无用的行：请删除多余的行后保存；确需这么多行，请分成几个工作簿"),
    "book-too-large": ("各工作表的使用区域合计约 {cells} 个单元格，超过上限 {limit}（为防止耗尽内存，没有读取）",
                       "请删除无用的工作表和多余的行、列后保存（Ctrl+End 可找到每张表最后一个有内容的单元格）"),
    "file-too-large": ("文件有 {size}，超过上限 {limit}（为防止耗尽内存，没有读取）",
                       "通常是插入了很多图片：请压缩或删除图片、删除无用的工作表后另存，再重新运行"),
    "not-regular": ("这不是普通文件（可能是管道、设备或文件夹），没有读取", "请确认选择的是工作簿文件本身"),
    "bad-text": ("部件「{member}」在第 {offset:,} 字节处不是有效的 UTF-8 文字，文件可能被其他程序改坏了",
                 "请在 Excel 或 WPS 中打开（必要时用“打开并修复”）后另存为 .xlsx，或向学校重新索取文件"),
    "unreadable": ("无法读取工作簿内容（程序库报告：{detail}）",
                   "请在 Excel 或 WPS 中打开确认文件正常，然后另存为 .xlsx"),
}


def unreadable(reason: str, file: str, *, sheet: str | None = None, **fields: object) -> UnreadableWorkbook:
    """Build the error for `reason`, naming `file` (and `sheet`), with `fields` filled into the text."""
    detail, hint = REASONS[reason]
    err = UnreadableWorkbook(detail.format(**fields), file=file, sheet=sheet, hint=hint.format(**fields))
    err.reason = reason  # type: ignore[attr-defined]
    return err


def human_size(n: int) -> str:
    """Bytes as the unit a director reads in Explorer (KB/MB/GB)."""
    size = float(n)
    for unit in ("字节", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "字节" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} 字节"

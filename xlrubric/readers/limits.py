"""Every limit a workbook must stay within before any library parses it, in one place.

Why one table: the sniffer, the package inspector, the .xls scanner and the writer's zip reader used to
carry their own numbers, and a limit that one of them forgets is a limit a hostile file walks around.
The numbers bound the memory one school can cost (measured by `benchmarks/bench_hostile.py`: a school
at every limit at once stays under 300 MB peak); a file past one is refused with a Chinese message that
names the limit, never read half-way.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    file_bytes: int = 50 * 1024 * 1024         # the file on disk (a 20,000-row register is about 1.5 MB)
    unzipped_bytes: int = 500 * 1024 * 1024    # all parts inflated (pictures are never inflated by us)
    xml_bytes: int = 64 * 1024 * 1024          # the XML parts inflated together: held in memory while checked
    part_bytes: int = 256 * 1024 * 1024        # one part the editor or the preservation check inflates
    sheet_cells: int = 800_000                 # one sheet's reach, rows × columns (calamine builds it dense)
    book_cells: int = 800_000                  # all sheets' reach together (about 200 bytes each once read)
    sheet_rows: int = 40_000                   # rows of one sheet (a county register is ≤ 20,000)
    strings: int = 2_000_000                   # entries of the shared-strings table
    problems_per_sheet: int = 500              # problems listed per sheet; the rest are counted


LIMITS = Limits()

"""The bound dossier (装订版): one PDF to print 一式两份 and bind.

Order: cover, table of contents, the 申报书 (sections 一–九), the evidence index, then every
evidence file in index order — PDFs merged page by page (each page scaled to A4 below a "佐证材料 N：名称" header), JPEG/PNG pictures each on their own A4 page
with a caption (downscaled to at most 300 dpi first), Office files listed in the index only with
their SHA-256. Broken or encrypted PDFs and unreadable pictures are listed with a note and skipped.

Every page is then stamped with one continuous number (第 X 页 共 N 页) and the 校验码, by merging
an overlay page made in a single Typst run for the whole book. The PDF outline (bookmarks) has an
entry for the cover, the contents, every section and every evidence file.
"""

from __future__ import annotations

import dataclasses
import io
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tidu.core.images import ImageTooLarge
from tidu.documents.dossier import Dossier, EvidenceEntry
from tidu.documents.evidence_files import NOTE_BROKEN_IMAGE, NOTE_HUGE_IMAGE, open_pdf, prepare_image
from tidu.documents.pdf import render_application_pdf
from tidu.documents.typst_engine import compile_pdf

DRAFT_LABEL = "草稿（未提交，无校验码）"


@dataclass(frozen=True)
class BoundDossier:
    pdf: bytes
    page_count: int
    evidence: tuple[EvidenceEntry, ...]  # with the notes of files that could not be merged
    outline: tuple[tuple[int, str, int], ...]  # (level, title, page index) as written


@dataclass
class _Part:
    entry: EvidenceEntry
    kind: str  # pdf | image
    pages: int
    reader: object = None
    image_path: str = ""
    start: int = 0  # 1-based page within the evidence block


def evidence_title(entry: EvidenceEntry) -> str:
    return f"佐证材料 {entry.number}：{entry.name}"


def stamp_label(dossier: Dossier) -> str:
    code = dossier.cover.verification_code
    return f"校验码 {code}" if code else DRAFT_LABEL


def render_bound_dossier(dossier: Dossier, read_evidence: Callable[[EvidenceEntry], bytes], *,
                         progress: Callable[[int, str], None] | None = None) -> BoundDossier:
    from pypdf import PdfReader, PdfWriter, Transformation

    report = progress or (lambda percent, message: None)
    with tempfile.TemporaryDirectory(prefix="tidu-bound-") as workdir:
        parts: list[_Part] = []
        final_entries: list[EvidenceEntry] = []
        total = max(len(dossier.evidence), 1)
        for index, entry in enumerate(dossier.evidence, start=1):
            report(5 + 50 * index // total, f"正在处理佐证材料 {index}/{len(dossier.evidence)}：{entry.name}")
            if not entry.mergeable or entry.kind not in ("pdf", "image"):
                final_entries.append(entry)
                continue
            try:
                data = read_evidence(entry)
            except (OSError, ValueError):
                final_entries.append(dataclasses.replace(entry, note="文件缺失，未能并入", mergeable=False))
                continue
            if entry.kind == "pdf":
                reader, note = open_pdf(data)
                if reader is None:
                    final_entries.append(dataclasses.replace(entry, note=note, mergeable=False))
                    continue
                parts.append(_Part(entry, "pdf", len(reader.pages), reader=reader))
            else:
                try:
                    jpeg, _size = prepare_image(data)
                except ImageTooLarge:
                    final_entries.append(dataclasses.replace(entry, note=NOTE_HUGE_IMAGE, mergeable=False))
                    continue
                except Exception:
                    final_entries.append(dataclasses.replace(entry, note=NOTE_BROKEN_IMAGE, mergeable=False))
                    continue
                path = Path(workdir) / f"evidence-{entry.number}.jpg"
                path.write_bytes(jpeg)
                parts.append(_Part(entry, "image", 1, image_path=f"/{path.name}"))
            final_entries.append(entry)
            del data
        offset = 1
        for part in parts:
            part.start = offset
            offset += part.pages
        final = dataclasses.replace(dossier, evidence=tuple(final_entries))

        report(60, "正在排版申报书与目录")
        front_pdf = render_application_pdf(
            final, mode="bound",
            parts=[{"title": evidence_title(p.entry), "offset": p.start} for p in parts],
            starts={str(p.entry.number): p.start for p in parts})
        front = PdfReader(io.BytesIO(front_pdf))

        images = [p for p in parts if p.kind == "image"]
        image_reader = None
        if images:
            report(70, "正在排版图片")
            image_pdf = compile_pdf("images.typ", {"images": [
                {"path": p.image_path, "caption": evidence_title(p.entry),
                 "detail": f"所属部分：{p.entry.section_title}　佐证事项：{p.entry.topic or '—'}　"
                           f"SHA-256：{p.entry.sha256}"}
                for p in images]}, root=workdir)
            image_reader = PdfReader(io.BytesIO(image_pdf))

        report(80, "正在合并")
        writer = PdfWriter()
        headers: dict[int, str] = {}  # book page index → "佐证材料 N：名称" printed above a merged PDF page
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            writer.append(front, import_outline=False)
            front_pages = len(front.pages)
            image_index = 0
            for part in parts:
                if part.kind == "pdf":
                    title = evidence_title(part.entry)
                    for number, source in enumerate(part.reader.pages, start=1):
                        writer.add_page(_on_a4(source))
                        headers[len(writer.pages) - 1] = (title if part.pages == 1
                                                          else f"{title}（第 {number}/{part.pages} 页）")
                else:
                    writer.add_page(image_reader.pages[image_index])
                    image_index += 1

        outline = _build_outline(writer, front, front_pages, parts)

        report(88, "正在加盖页码与校验码")
        sizes = []
        for page in writer.pages:
            if page.get("/Rotate", 0):
                page.transfer_rotation_to_content()
            box = page.cropbox
            sizes.append((float(box.left), float(box.bottom), float(box.width), float(box.height)))
        overlay = PdfReader(io.BytesIO(compile_pdf("overlay.typ", {
            "pages": [{"w": round(w, 2), "h": round(h, 2), "header": headers.get(i, "")}
                      for i, (_, _, w, h) in enumerate(sizes)],
            "label": stamp_label(dossier)})))
        for page, stamp, (left, bottom, _, _) in zip(writer.pages, overlay.pages, sizes, strict=True):
            page.merge_transformed_page(stamp, Transformation().translate(left, bottom))
        writer.add_metadata({"/Title": f"{dossier.cover.title}（装订版）{dossier.cover.enterprise_name}",
                             "/Author": dossier.cover.enterprise_name})
        writer.page_mode = "/UseOutlines"
        out = io.BytesIO()
        writer.write(out)
        report(98, "正在保存")
        return BoundDossier(pdf=out.getvalue(), page_count=len(writer.pages), evidence=final.evidence,
                            outline=tuple(outline))


A4 = (595.28, 841.89)  # points
HEADER_BAND = 30.0  # points kept free above a merged evidence page for its "佐证材料 N：名称" line
FOOTER_BAND = 30.0  # … and below it for the page number and 校验码
SIDE_MARGIN = 14.0


def _on_a4(source):
    """``source`` (any size, any /Rotate) scaled to fit a portrait A4 page below a header band.

    A US-Letter or A3 evidence page becomes A4 like the rest of the book; a landscape page keeps its
    orientation on the paper but is shrunk to fit the width. Links and form fields on the page are dropped
    (the book is for printing)."""
    from pypdf import PageObject, Transformation

    if source.get("/Rotate", 0):
        source.transfer_rotation_to_content()
    box = source.cropbox
    left, bottom, width, height = float(box.left), float(box.bottom), float(box.width), float(box.height)
    page = PageObject.create_blank_page(width=A4[0], height=A4[1])
    if width <= 0 or height <= 0:
        return page
    room_w, room_h = A4[0] - 2 * SIDE_MARGIN, A4[1] - HEADER_BAND - FOOTER_BAND
    scale = min(room_w / width, room_h / height)
    x = (A4[0] - width * scale) / 2
    y = FOOTER_BAND + (room_h - height * scale) / 2
    page.merge_transformed_page(source, Transformation().translate(-left, -bottom).scale(scale).translate(x, y))
    return page


def _front_outline(reader) -> list[tuple[int, str, int]]:
    """The 申报书's own headings (from Typst's PDF outline) as (level, title, page index)."""
    found: list[tuple[int, str, int]] = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                found.append((level, str(item.title), reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    return found


def _build_outline(writer, front, front_pages: int, parts: list[_Part]) -> list[tuple[int, str, int]]:
    written: list[tuple[int, str, int]] = []

    def add(title, page, parent=None, level=0):
        written.append((level, title, page))
        return writer.add_outline_item(title=title, page_number=page, parent=parent)

    add("封面", 0)
    add("目录", 1)
    headings = _front_outline(front)
    body = [h for h in headings if not h[1].startswith("附")]
    index = [h for h in headings if h[1].startswith("附") and h[0] == 0]
    application = add("申报书", body[0][2] if body else min(2, front_pages - 1))
    parents = {0: application}
    for level, title, page in body:
        parents[level + 1] = add(title, page, parent=parents.get(level, application), level=level + 1)
    for _, title, page in index:
        add(title.replace("附：", ""), page)
    if parts:
        evidence_root = add("佐证材料", front_pages)
        for part in parts:
            add(evidence_title(part.entry), front_pages + part.start - 1, parent=evidence_root, level=1)
    return written

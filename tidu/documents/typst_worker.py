"""Compiling Typst documents in a separate process (``typst_engine.compile_pdf_parts``): Typst keeps what it has
laid out in a process-wide memo cache that the Python binding never empties, so a long table set in parts in one
process grows by every part (~45 MB per 250 汇总表 rows, measured). Run as a script
(``python typst_worker.py FONT_DIR ROOT TEMPLATE``), it imports nothing but Typst and the standard library: it reads
frames (8-byte big-endian length + the JSON data) from stdin until EOF and answers each with a status byte
(0 = PDF, 1 = Typst's error message) and a frame."""

from __future__ import annotations

import os
import struct
import sys

os.environ.setdefault("RAYON_NUM_THREADS", "1")


def read_frame(stream) -> bytes | None:
    head = stream.read(8)
    if len(head) < 8:
        return None
    (size,) = struct.unpack(">Q", head)
    return stream.read(size)


def write_frame(stream, data: bytes, status: int | None = None) -> None:
    if status is not None:
        stream.write(bytes([status]))
    stream.write(struct.pack(">Q", len(data)))
    stream.write(data)
    stream.flush()


def main(font_dir: str, root: str, template: str) -> None:
    import typst

    fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=True, font_paths=[font_dir])
    compiler = typst.Compiler(font_paths=fonts, root=root)
    with open(template, "rb") as handle:
        source = handle.read()
    while (data := read_frame(sys.stdin.buffer)) is not None:
        try:
            pdf = compiler.compile(input=source, format="pdf", sys_inputs={"data": data.decode("utf-8")},
                                   pdf_tags=False)
        except typst.TypstError as exc:
            write_frame(sys.stdout.buffer, str(exc.message).encode("utf-8"), status=1)
            continue
        write_frame(sys.stdout.buffer, pdf, status=0)


if __name__ == "__main__":
    main(*sys.argv[1:4])

"""Compiling the built-in Typst templates to PDF with an embedded CJK font (plain Python + settings).

User text never becomes Typst markup: every template reads its data with
``json(bytes(sys.inputs.data))`` and places strings as text, so ``#``, ``$``, ``[`` or ``*`` typed by
an enterprise print as themselves. Every string first goes through ``printable`` (printable.py: bidi
controls removed, emoji as □, long unbroken runs made breakable so they wrap in their cells). Fonts are loaded once per process (``typst.Fonts``) and shared by
every compile, and each thread keeps its compiler for the built-in templates; a missing CJK font raises ``CjkFontMissing`` (a Chinese message) instead of tofu.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

# One rayon worker per process: Typst's default pool (one thread per core) spends CPU time spinning and
# synchronising that a server whose processes already share the cores cannot use (measured: about 15 %
# more CPU per 申报书 with two threads on two cores). Set RAYON_NUM_THREADS to override; it is read when
# the pool starts, at the first compile.
os.environ.setdefault("RAYON_NUM_THREADS", "1")

import typst  # noqa: E402

from tidu.core import fonts as core_fonts
from tidu.core.errors import TiduError
from tidu.documents.printable import long_runs, printable_data

logger = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates_builtin"


class DocumentError(TiduError):
    """A document that cannot be produced; ``message`` is shown to the user as it is (Chinese)."""


class CjkFontMissing(DocumentError):
    def __init__(self):
        super().__init__("无法生成 PDF：" + core_fonts.MISSING_FONT_MESSAGE)


@dataclass(frozen=True)
class FontSetup:
    path: Path
    fonts: typst.Fonts
    body: tuple[str, ...]
    heading: tuple[str, ...]


_LOCK = threading.Lock()
_SETUPS: dict[Path, FontSetup] = {}


def _pick(families: list[str], prefer: tuple[str, ...]) -> str | None:
    for hint in prefer:
        for family in families:
            if hint in family:
                return family
    return families[0] if families else None


def font_setup() -> FontSetup:
    """The CJK font to embed, found by core.fonts; loaded once and shared."""
    from django.conf import settings

    path = core_fonts.find_cjk_font(getattr(settings, "TIDU_CJK_FONT", ""))
    if path is None:
        raise CjkFontMissing()
    path = Path(path)
    with _LOCK:
        setup = _SETUPS.get(path)
        if setup is not None:
            return setup
        fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=True, font_paths=[str(path.parent)])
        infos = fonts.fonts()
        own = [i.family for i in infos if i.path and Path(i.path) == path]
        if not own:
            raise CjkFontMissing()
        body = _pick(own, (" SC", "SC", "GB", "Hans"))
        sans = [i.family for i in infos if i.path and any(h in i.family for h in ("Sans CJK SC", "Hei", "Sans SC"))
                and "Mono" not in i.family]
        heading = sans[0] if sans else body
        setup = FontSetup(path=path, fonts=fonts, body=(body, heading), heading=(heading, body))
        _SETUPS[path] = setup
        return setup


@cache
def template_source(name: str) -> bytes:
    return (TEMPLATES_DIR / name).read_bytes()


_COMPILERS = threading.local()


def _compiler(setup: FontSetup, root: Path | str | None) -> typst.Compiler:
    """A compiler for the built-in templates, kept per thread and per font (a compile borrows it mutably),
    so its memoised layout of the unchanging parts is reused; a caller's own root gets a fresh one."""
    if root is not None:
        return typst.Compiler(font_paths=setup.fonts, root=str(root))
    cache = getattr(_COMPILERS, "by_font", None)
    if cache is None:
        cache = _COMPILERS.by_font = {}
    compiler = cache.get(setup.path)
    if compiler is None:
        compiler = cache[setup.path] = typst.Compiler(font_paths=setup.fonts, root=str(TEMPLATES_DIR))
    return compiler


def _payload_json(setup: FontSetup, data: dict[str, Any], *, with_long_runs: bool = False) -> str:
    payload = {**printable_data(data), "fonts": {"body": list(setup.body), "heading": list(setup.heading)}}
    if with_long_runs:  # for templates whose t() looks the runs up instead of matching a regex (printable.py)
        payload["long_runs"] = long_runs({k: v for k, v in payload.items() if k != "fonts"})
    return json.dumps(payload, ensure_ascii=False, default=str)


def compile_pdf(template: str, data: dict[str, Any], *, root: Path | str | None = None,
                with_long_runs: bool = False) -> bytes:
    """Compile one built-in template with ``data`` (JSON-serialisable) to PDF bytes. ``with_long_runs`` adds
    ``long_runs`` (printable.long_runs) to the data, for the templates that read it."""
    setup = font_setup()
    compiler = _compiler(setup, root)
    try:
        return compiler.compile(input=template_source(template), format="pdf",
                                sys_inputs={"data": _payload_json(setup, data, with_long_runs=with_long_runs)},
                                pdf_tags=False)
    except typst.TypstError as exc:  # a bug in a template, never the user's text
        raise DocumentError(f"PDF 排版失败：{exc.message}") from exc


# Documents compiled per worker process before it is replaced (its memo cache goes with it).
PARTS_PER_PROCESS = 2


def compile_pdf_parts(template: str, datas: Iterable[dict[str, Any]], *,
                      per_process: int = PARTS_PER_PROCESS) -> Iterator[bytes]:
    """Compile ``template`` once per item of ``datas``, in order, in worker processes (``typst_worker.py`` run as a
    script with this Python) each replaced after ``per_process`` documents: this process's memory stays where it
    was, and a worker's holds at most ``per_process`` documents' layout. ``datas`` is read one item at a time."""
    import subprocess
    import sys
    import tempfile

    from tidu.documents import typst_worker

    setup = font_setup()
    command = [sys.executable, typst_worker.__file__, str(setup.path.parent), str(TEMPLATES_DIR),
               str(TEMPLATES_DIR / template)]
    source = iter(datas)
    while True:
        first = next(source, None)
        if first is None:
            return
        with tempfile.TemporaryFile() as errors:
            worker = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors)
            try:
                data, done = first, 0
                while data is not None:
                    try:
                        typst_worker.write_frame(worker.stdin, _payload_json(setup, data).encode("utf-8"))
                    except OSError:  # BrokenPipeError: the worker is gone; its stderr says why
                        status, answer = b"", None
                    else:
                        status = worker.stdout.read(1)
                        answer = typst_worker.read_frame(worker.stdout)
                    if not status or answer is None:
                        errors.seek(0)
                        logger.error("Typst worker process ended: %s", errors.read()[-4000:].decode("utf-8", "replace"))
                        raise DocumentError("PDF 排版失败：排版进程意外退出")
                    if status == b"\x01":
                        raise DocumentError(f"PDF 排版失败：{answer.decode('utf-8', 'replace')}")
                    yield answer
                    done += 1
                    data = next(source, None) if done < per_process else None
                if done < per_process:
                    worker.stdin.close()
                    worker.wait()
                    return
            finally:
                if worker.stdin and not worker.stdin.closed:
                    try:
                        worker.stdin.close()
                    except OSError:
                        pass
                worker.wait()

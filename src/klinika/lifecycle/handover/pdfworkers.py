"""HTML to PDF in worker processes. WeasyPrint's layout takes 40-80 ms of CPU a page and holds the
GIL, so the export's thousands of PDFs are laid out by one process per core while the main
process reads, decrypts and writes. Workers get HTML only (never keys or database access), keep one
font configuration each (a new one per document leaks), and return the PDF bytes; the results are
taken in submission order, so the files are the same bytes as when rendered inline.

The workers are spawned (not forked): a fork would copy the parent's database connections and
cached keys into processes that need neither."""
import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor

_fonts = None
INLINE_FIRST = 100  # PDFs a renderer makes in its own process before it starts workers


def _font_config():
    global _fonts
    if _fonts is None:
        from weasyprint.text.fonts import FontConfiguration

        _fonts = FontConfiguration()
    return _fonts


def render_pdf(html: str) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=html).write_pdf(font_config=_font_config())


def default_workers() -> int:
    return min(os.cpu_count() or 1, 8)


class PdfRenderer:
    """submit(html) -> a future of the PDF. The first `inline_first` are rendered at once in this
    process (a small clinic never waits for workers to start), the rest by `workers` processes
    (0: all inline)."""

    def __init__(self, workers: int = 0, inline_first: int | None = None):
        self.workers = workers
        self.inline_first = INLINE_FIRST if inline_first is None else inline_first
        self.submitted = 0
        self._pool = None

    def submit(self, html: str) -> Future:
        self.submitted += 1
        if self.workers <= 0 or self.submitted <= self.inline_first:
            future = Future()
            future.set_result(render_pdf(html))
            return future
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        return self._pool.submit(render_pdf, html)

    def close(self):
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

"""Static chart images (PNG / SVG) through ONE reused kaleido server.

kaleido >= 1 drives a system Chrome/Chromium.  Starting a browser per image
costs ~2.5 s; one server started with ``kaleido.start_sync_server`` and
reused costs ~0.2 s per image.  The server is a process-wide singleton owned
by kaleido; this module only starts it (once) and never stops it, so the app
(``st.cache_resource``) and the CLI share it.

When no browser is available nothing hangs: every chart is reported as not
rendered, with the command that fixes it, and the caller still writes the
text and the tables.
"""

from __future__ import annotations

import shutil
import threading
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "CHROMIUM_HINT",
    "ChartFailure",
    "ImageExport",
    "chromium_available",
    "start_image_server",
    "export_figures",
]

CHROMIUM_HINT = (
    "no Chrome/Chromium browser found; chart images need one: install it with "
    "'apt-get install chromium' (Debian/Ubuntu) or install Google Chrome"
)
#: seconds to wait for one image; the first one also starts the browser
FIRST_IMAGE_TIMEOUT = 90.0
IMAGE_TIMEOUT = 45.0

_lock = threading.Lock()


@dataclass(frozen=True)
class ChartFailure:
    """A chart (in one format) that could not be written, and why."""

    name: str
    format: str
    reason: str


@dataclass(frozen=True)
class ImageExport:
    """What :func:`export_figures` wrote.

    Attributes
    ----------
    paths : dict
        ``{chart name: {format: Path}}`` for every image written.
    failed : tuple of ChartFailure
    seconds : float
        Wall time of the export.
    """

    paths: Mapping[str, Mapping[str, Path]] = field(default_factory=dict)
    failed: tuple[ChartFailure, ...] = ()
    seconds: float = 0.0

    @property
    def written(self) -> list[Path]:
        """Every file written, in chart then format order."""
        return [p for formats in self.paths.values() for p in formats.values()]

    def by_format(self, fmt: str) -> dict[str, Path]:
        """``{chart name: Path}`` of the images written in ``fmt``."""
        return {name: formats[fmt] for name, formats in self.paths.items() if fmt in formats}

    def messages(self) -> list[str]:
        """One readable line per failure."""
        return [f"{f.name} ({f.format}): {f.reason}" for f in self.failed]


def chromium_available() -> bool:
    """True when kaleido can find a Chrome/Chromium to drive."""
    try:
        from choreographer.browsers.chromium import Chromium

        if Chromium.find_browser(skip_local=False):
            return True
    except Exception:  # noqa: BLE001 - best effort; fall back to PATH lookup
        pass
    return any(
        shutil.which(name)
        for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
    )


def _server() -> Any:
    from kaleido import _sync_server

    return _sync_server.GlobalKaleidoServer()


def _server_alive() -> bool:
    try:
        srv = _server()
        if not srv.is_running():
            return False
        thread = getattr(srv, "_thread", None)
        return thread is None or thread.is_alive()
    except Exception:  # noqa: BLE001
        return False


def start_image_server() -> bool:
    """Start the shared kaleido server once (no-op when it already runs).

    Returns
    -------
    bool
        False when no browser is available (nothing started).

    Notes
    -----
    ``mathjax=False`` avoids waiting for an unreachable MathJax CDN.  An
    "already started" server (e.g. by the app) is reused as it is; a server
    whose browser thread died is restarted.
    """
    if not chromium_available():
        return False
    import kaleido

    with _lock:
        try:
            srv = _server()
            if srv.is_running() and not _server_alive():
                kaleido.stop_sync_server(silence_warnings=True)
        except Exception:  # noqa: BLE001 - private API changed: just try to start
            pass
        kaleido.start_sync_server(mathjax=False, silence_warnings=True)
    return True


def _render(fig: Any, fmt: str, width: int, height: int, scale: float, timeout: float) -> bytes:
    """One image through the shared server, with a timeout so a dead browser cannot hang us."""
    import plotly.io as pio

    box: dict[str, Any] = {}

    def work() -> None:
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*kopts.*")
                box["data"] = pio.to_image(fig, format=fmt, width=width, height=height, scale=scale)
        except BaseException as exc:  # noqa: BLE001 - reported to the caller
            box["error"] = exc

    worker = threading.Thread(target=work, daemon=True, name="kaleido-image")
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise TimeoutError(f"the browser did not return the image within {timeout:.0f} s")
    if "error" in box:
        raise box["error"]
    return box["data"]


def export_figures(
    figs: Mapping[str, Any],
    out_dir: str | Path,
    formats: Sequence[str] = ("png", "svg"),
    width: int = 1200,
    height: int = 700,
    scale: float = 2.0,
) -> ImageExport:
    """Write every figure in every format through one kaleido server.

    Parameters
    ----------
    figs : dict of name -> plotly Figure
        The name becomes the file stem (``charts/<name>.png``); ``None``
        values are skipped.
    out_dir : path
        Created if missing.
    formats : sequence of {"png", "svg", "pdf", "jpeg", "webp"}
    width, height : int
        Layout size in pixels (1200 x 700 prints readably on A4 / Letter).
    scale : float
        PNG resolution multiplier (2 -> 2400 x 1400 px, sharp in Word).

    Returns
    -------
    ImageExport
        Paths written and the charts that could not be rendered, with the
        reason (no browser -> a message naming ``apt-get install chromium``).
        Never raises for a rendering problem.
    """
    import time

    started = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    items = [(name, fig) for name, fig in figs.items() if fig is not None]
    paths: dict[str, dict[str, Path]] = {}
    failed: list[ChartFailure] = []
    if not items:
        return ImageExport({}, (), 0.0)
    if not chromium_available():
        failed = [ChartFailure(name, fmt, CHROMIUM_HINT) for name, _ in items for fmt in formats]
        return ImageExport({}, tuple(failed), time.perf_counter() - started)
    try:
        start_image_server()
    except Exception as exc:  # noqa: BLE001
        failed = [ChartFailure(name, fmt, f"kaleido could not start: {exc}") for name, _ in items for fmt in formats]
        return ImageExport({}, tuple(failed), time.perf_counter() - started)

    broken: str | None = None
    first = True
    for name, fig in items:
        for fmt in formats:
            if broken:
                failed.append(ChartFailure(name, fmt, broken))
                continue
            safe_stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in str(name)) or "chart"
            target = out / f"{safe_stem}.{fmt}"
            try:
                data = _render(fig, fmt, width, height, scale, FIRST_IMAGE_TIMEOUT if first else IMAGE_TIMEOUT)
            except TimeoutError as exc:
                # the server is stuck: every later image would wait as long
                broken = f"{exc}; chart images skipped (check the Chromium install: 'apt-get install chromium')"
                failed.append(ChartFailure(name, fmt, broken))
                continue
            except Exception as exc:  # noqa: BLE001 - one bad figure must not stop the others
                failed.append(ChartFailure(name, fmt, f"{type(exc).__name__}: {exc}"))
                continue
            finally:
                first = False
            target.write_bytes(data)
            paths.setdefault(name, {})[fmt] = target
    return ImageExport(paths, tuple(failed), time.perf_counter() - started)

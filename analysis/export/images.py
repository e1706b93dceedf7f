"""Static chart images (PNG / SVG) through ONE reused kaleido server.

kaleido >= 1 drives a system Chrome/Chromium.  Starting a browser per image
costs ~2.5 s; one server started with ``kaleido.start_sync_server`` and
reused costs ~0.4 s per image: ~0.2 s drawing it and ~0.2 s reloading the
tab (kaleido reloads plotly.js after every image).  So every image of an
export goes to the server in ONE batch (``kaleido.write_fig_from_object``),
which keeps :data:`IMAGE_TABS` tabs busy: one tab draws while another
reloads.  The server is a process-wide singleton owned by kaleido; this
module only starts it (once) and never stops it, so the app
(``st.cache_resource``) and the CLI share it.

When no browser is available nothing hangs: every chart is reported as not
rendered, with the command that fixes it, and the caller still writes the
text and the tables.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
import time
import warnings
from collections.abc import Mapping, MutableMapping, Sequence
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
#: browser tabs of the shared server: with two, one draws while the other reloads plotly.js
#: (kaleido's own ``n``; more than two gained nothing measurable on two cores)
IMAGE_TABS = 2

_lock = threading.Lock()
#: the kaleido server answers one caller at a time (its reply queue is shared): two sessions
#: of the app exporting at once must not take each other's images
_render_lock = threading.Lock()


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


def start_image_server(tabs: int = IMAGE_TABS) -> bool:
    """Start the shared kaleido server once (no-op when it already runs).

    Starting returns at once: the browser opens in the server's thread while
    the caller goes on, and the first image waits for it.

    Parameters
    ----------
    tabs : int
        Tabs drawing images side by side (kaleido's ``n``); a server that
        already runs keeps the tabs it has.

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
        kaleido.start_sync_server(n=max(1, int(tabs)), mathjax=False, silence_warnings=True)
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


def _figure_dict(fig: Any) -> dict:
    """The figure as the dict kaleido draws, converted (and validated) once for all its formats,
    exactly as ``plotly.io.to_image`` converts it."""
    if hasattr(fig, "to_dict"):
        return fig.to_dict()
    if isinstance(fig, dict):
        import plotly.graph_objects as go

        return go.Figure(fig).to_plotly_json()
    if hasattr(fig, "to_plotly_json"):
        return fig.to_plotly_json()
    raise ValueError(f"not a plotly figure: {type(fig).__name__}")


def _render_batch(specs: Sequence[Mapping[str, Any]], first_timeout: float, timeout: float) -> None:
    """Draw every spec (``{fig, path, opts}``) in one ``kaleido.write_fig_from_object`` call.

    A spec that fails leaves no file at its path (kaleido removes it); the
    caller finds which.  Raises TimeoutError when no image was finished for
    ``first_timeout`` seconds before the first (which also waits for the
    browser) or ``timeout`` seconds after, so a dead browser cannot hang us;
    re-raises an error of the call itself.
    """
    import kaleido

    box: dict[str, Any] = {}

    def work() -> None:
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*kopts.*")
                kaleido.write_fig_from_object_sync(list(specs))
        except BaseException as exc:  # noqa: BLE001 - reported to the caller
            box["error"] = exc

    worker = threading.Thread(target=work, daemon=True, name="kaleido-images")
    worker.start()
    done, since = 0, time.monotonic()
    while True:
        worker.join(0.2)
        if not worker.is_alive():
            break
        # progress is an image written in full; kaleido creates each file empty when it queues it
        now = sum(1 for spec in specs if _size(spec["path"]) > 0)
        if now > done:
            done, since = now, time.monotonic()
        elif time.monotonic() - since > (first_timeout if done == 0 else timeout):
            raise TimeoutError(f"the browser did not return an image within {first_timeout if done == 0 else timeout:.0f} s")
    if "error" in box:
        raise box["error"]


#: images an export cache keeps (the sample's charts are ~21 PNGs of 100-200 kB each)
CACHED_IMAGES = 200


def _figure_digest(fig_dict: dict) -> str:
    """What a figure's images are drawn from: its JSON as plotly writes it for the browser."""
    import plotly.io as pio

    return hashlib.sha256(pio.to_json(fig_dict, validate=False, engine="json").encode("utf-8")).hexdigest()


def _remember(cache: MutableMapping[str, bytes] | None, key: str, data: bytes) -> None:
    if cache is None:
        return
    cache[key] = data
    while len(cache) > CACHED_IMAGES:
        cache.pop(next(iter(cache)))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def export_figures(
    figs: Mapping[str, Any],
    out_dir: str | Path,
    formats: Sequence[str] = ("png", "svg"),
    width: int = 1200,
    height: int = 700,
    scale: float = 2.0,
    cache: MutableMapping[str, bytes] | None = None,
) -> ImageExport:
    """Write every figure in every format through one kaleido server, in one batch.

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
    cache : mutable mapping, optional
        Images already drawn, by a digest of the figure's JSON, format and
        size: an image found there is written, not drawn again; one drawn is
        added (at most :data:`CACHED_IMAGES`, the oldest dropped first).  The
        app keeps one per process, so a second export of the same charts
        (answers edited, other findings chosen) draws only what changed.

    Returns
    -------
    ImageExport
        Paths written and the charts that could not be rendered, with the
        reason (no browser -> a message naming ``apt-get install chromium``).
        Never raises for a rendering problem.

    Notes
    -----
    Each figure is converted to a dict once and every image is drawn once,
    by one ``kaleido.write_fig_from_object`` call (images side by side in
    :data:`IMAGE_TABS` tabs), into a scratch folder and then moved to its
    name, so a chart that fails leaves an older file of its name alone.  The
    images are the bytes ``plotly.io.to_image`` returns (PNG byte for byte;
    plotly gives every SVG fresh random clip-path ids).  Images the batch
    could not draw are drawn again one at a time, for the reason.
    """
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

    reasons: dict[tuple[str, str], str] = {}  # (name, format) -> why it was not written
    with _render_lock, tempfile.TemporaryDirectory(prefix=".render-", dir=out) as scratch:
        jobs: list[tuple[str, str, Any, dict, Path, Path]] = []  # name, format, figure, its dict, scratch file, target
        keys: dict[Path, str] = {}  # scratch file -> its cache key
        for name, fig in items:
            try:
                fig_dict = _figure_dict(fig)
            except Exception as exc:  # noqa: BLE001 - one bad figure must not stop the others
                reasons.update({(name, fmt): f"{type(exc).__name__}: {exc}" for fmt in formats})
                continue
            safe_stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in str(name)) or "chart"
            digest = _figure_digest(fig_dict) if cache is not None else None  # once per figure, for all its formats
            for fmt in formats:
                target, tmp = out / f"{safe_stem}.{fmt}", Path(scratch) / f"{len(jobs)}.{fmt}"
                key = f"{digest}|{fmt}|{width}|{height}|{scale}" if digest is not None else None
                if key is not None and key in cache:
                    target.write_bytes(cache[key])
                    paths.setdefault(name, {})[fmt] = target
                    continue
                if key is not None:
                    keys[tmp] = key
                jobs.append((name, fmt, fig, fig_dict, tmp, target))
        specs = [{"fig": d, "path": tmp, "opts": {"format": fmt, "width": width, "height": height, "scale": scale}}
                 for _, fmt, _, d, tmp, _ in jobs]
        broken: str | None = None
        retry = True
        if specs:
            try:
                _render_batch(specs, FIRST_IMAGE_TIMEOUT, IMAGE_TIMEOUT)
            except TimeoutError as exc:
                # the server is stuck: every image would wait as long
                broken = f"{exc}; chart images skipped (check the Chromium install: 'apt-get install chromium')"
            except Exception:  # noqa: BLE001 - the images it did not draw are drawn one by one below
                pass
        for name, fmt, fig, _, tmp, target in jobs:
            if _size(tmp) > 0:
                os.replace(tmp, target)
                paths.setdefault(name, {})[fmt] = target
                if tmp in keys:
                    _remember(cache, keys[tmp], target.read_bytes())
                continue
            if broken:
                reasons[(name, fmt)] = broken
                continue
            try:  # again alone: the reason it fails (or a passing glitch)
                data = _render(fig, fmt, width, height, scale, FIRST_IMAGE_TIMEOUT if retry else IMAGE_TIMEOUT)
            except TimeoutError as exc:
                broken = f"{exc}; chart images skipped (check the Chromium install: 'apt-get install chromium')"
                reasons[(name, fmt)] = broken
                continue
            except Exception as exc:  # noqa: BLE001 - one bad figure must not stop the others
                reasons[(name, fmt)] = f"{type(exc).__name__}: {exc}"
                continue
            finally:
                retry = False
            target.write_bytes(data)
            paths.setdefault(name, {})[fmt] = target
            if tmp in keys:
                _remember(cache, keys[tmp], data)
    # in chart then format order, as the figures were given
    paths = {name: {fmt: paths[name][fmt] for fmt in formats if fmt in paths.get(name, {})} for name, _ in items if name in paths}
    failed = [ChartFailure(name, fmt, reasons[(name, fmt)]) for name, _ in items for fmt in formats if (name, fmt) in reasons]
    return ImageExport(paths, tuple(failed), time.perf_counter() - started)

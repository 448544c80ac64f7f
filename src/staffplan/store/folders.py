"""The plan folders of a store on disk: copy in, publish by rename, discard, sweep.

Layout: ``ROOT/plans/<plan_id>/`` holds a stored plan's files. Work in progress lives in
``ROOT/.tmp-<uuid>/`` (a copy being made) and ``ROOT/.trash-<uuid>/`` (a folder being
removed); both are swept away when a store opens.

Writers (an add between its temp copy and its catalog row, a delete between its catalog row and
its folder) hold a shared lock on ``ROOT``; a sweep takes it exclusively, and skips when it
cannot, so it never removes a folder another thread or process is about to catalogue. The lock
is ``flock`` on the ROOT directory itself (released by the kernel when a process dies); where
``flock`` does not exist, a sweep only removes leftovers older than :data:`STALE_S`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None

__all__ = [
    "MARKER",
    "STALE_S",
    "TEMP_PREFIXES",
    "claim",
    "copy_plan_files",
    "discard",
    "fsync_dir",
    "locked",
    "new_temp_dir",
    "publish",
    "sweep",
]

TEMP_PREFIXES = (".tmp-", ".trash-")
#: ``ROOT/.catalog`` names the catalog that lists the root's plans.
MARKER = ".catalog"
#: Without ``flock``, leftovers younger than this are left alone by a sweep.
STALE_S = 3600.0
_CHUNK = 1 << 20


@contextlib.contextmanager
def locked(root: Path, *, exclusive: bool = False, wait: bool = True) -> Iterator[bool]:
    """Hold the store's lock on ``root`` for the ``with`` block.

    Parameters
    ----------
    root : Path
        The store's root folder.
    exclusive : bool
        Exclusive (a sweep) rather than shared (a writer).
    wait : bool
        Wait for the lock; otherwise yield False at once when it is taken.

    Yields
    ------
    bool
        Whether the lock is held (always True when ``wait``; True without ``flock``).
    """
    if fcntl is None:  # pragma: no cover - not POSIX
        yield True
        return
    fd = os.open(root, os.O_RDONLY)
    try:
        flags = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        try:
            fcntl.flock(fd, flags if wait else flags | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def claim(root: Path, label: str) -> str:
    """Record that the catalog ``label`` lists the plans of ``root``, unless one already does.

    A sweep removes plan folders its catalog does not list, so opening a root with another
    catalog than its own would empty it; the marker lets the store refuse that instead.

    Parameters
    ----------
    root : Path
        The store's root.
    label : str
        The catalog's identity (see :func:`staffplan.store.catalog.catalog_label`).

    Returns
    -------
    str
        The label on record: ``label`` on first use (created atomically, first writer wins).
    """
    marker = root / MARKER
    try:
        return marker.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    with locked(root):  # a sweep must not take the temp file away
        temp = root / f".tmp-{uuid.uuid4().hex}"
        with open(temp, "x", encoding="utf-8") as handle:
            handle.write(label + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temp, marker)  # fails if it exists: never replaces another opener's label
            fsync_dir(root)
        except FileExistsError:
            pass
        finally:
            temp.unlink(missing_ok=True)
    return marker.read_text(encoding="utf-8").strip()


def new_temp_dir(root: Path, prefix: str = ".tmp-") -> Path:
    """Create and return an empty ``ROOT/<prefix><uuid>`` folder."""
    path = root / f"{prefix}{uuid.uuid4().hex}"
    path.mkdir()
    return path


def copy_plan_files(source: Path, dest: Path) -> list[str]:
    """Copy the regular files at the top level of ``source`` into the existing ``dest``.

    Sub-folders, symbolic links, special files and hidden names (a leading ``.``, such as an
    atomic writer's leftover temp file) are skipped; no link is followed, even one swapped in
    while copying. Every file and ``dest`` itself are fsynced.

    Parameters
    ----------
    source : Path
        The plan folder to copy.
    dest : Path
        An empty folder.

    Returns
    -------
    list of str
        The copied file names, sorted.
    """
    names = []
    with os.scandir(source) as entries:
        for entry in entries:
            if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                continue
            if _copy_file(Path(entry.path), dest / entry.name):
                names.append(entry.name)
    fsync_dir(dest)
    return sorted(names)


def _copy_file(source: Path, target: Path) -> bool:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(source, flags)
    except OSError:  # a link swapped in (ELOOP), or the file vanished
        return False
    with os.fdopen(fd, "rb") as reader:
        if not stat.S_ISREG(os.fstat(reader.fileno()).st_mode):
            return False
        with open(target, "xb") as writer:
            shutil.copyfileobj(reader, writer, _CHUNK)
            writer.flush()
            os.fsync(writer.fileno())
    return True


def fsync_dir(path: Path) -> None:
    """Make a folder's entries (new, renamed or removed names) durable, where supported."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows cannot open folders
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse fsync on folders
        pass
    finally:
        os.close(fd)


def publish(temp: Path, final: Path) -> None:
    """Rename the complete ``temp`` folder to ``final`` and make the rename durable.

    Raises
    ------
    FileExistsError
        When ``final`` exists (the rename never replaces a folder).
    """
    if final.exists() or final.is_symlink():
        raise FileExistsError(str(final))
    try:
        os.rename(temp, final)
    except OSError as exc:  # lost a race: ENOTEMPTY / EEXIST
        if final.exists():
            raise FileExistsError(str(final)) from exc
        raise
    fsync_dir(final.parent)


def discard(path: Path, root: Path) -> None:
    """Remove a folder (or file) so that it is never seen half-removed under its name.

    The folder is first renamed to ``ROOT/.trash-<uuid>`` (atomic), then deleted; a crash in
    between leaves only a trash folder, which the next sweep removes.
    """
    trash = root / f".trash-{uuid.uuid4().hex}"
    try:
        os.rename(path, trash)
    except FileNotFoundError:
        return
    fsync_dir(path.parent)
    _remove(trash)


def _remove(path: Path) -> None:
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def sweep(root: Path, plans_dir: Path, catalogued: Callable[[], Iterable[str]]) -> list[str]:
    """Remove leftovers: temp and trash folders in ``root``, uncatalogued entries in ``plans_dir``.

    Parameters
    ----------
    root : Path
        The store's root.
    plans_dir : Path
        ``ROOT/plans``.
    catalogued : callable
        Returns the ids the catalog lists; called once the exclusive lock is held.

    Returns
    -------
    list of str
        The removed entries, relative to ``root``; empty when another writer holds the lock
        (the sweep is then left to a later one).
    """
    removed: list[str] = []
    with locked(root, exclusive=True, wait=False) as held:
        if not held:
            return removed
        cutoff = None if fcntl is not None else time.time() - STALE_S
        for entry in sorted(root.iterdir()):
            if entry.name.startswith(TEMP_PREFIXES) and _stale(entry, cutoff):
                _remove(entry)
                removed.append(entry.name)
        if plans_dir.is_dir():
            known = set(catalogued())
            for entry in sorted(plans_dir.iterdir()):
                if entry.name not in known and _stale(entry, cutoff):
                    discard(entry, root)
                    removed.append(f"{plans_dir.name}/{entry.name}")
    return removed


def _stale(path: Path, cutoff: float | None) -> bool:
    if cutoff is None:
        return True
    try:  # pragma: no cover - only without flock
        return path.lstat().st_mtime < cutoff
    except FileNotFoundError:  # pragma: no cover
        return False

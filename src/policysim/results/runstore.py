"""A sweep's results store: one directory, one set of files per finished run, nothing lost.

Picture a lab notebook with one page per experiment run: a page is written in full and only
then numbered in the index, so a notebook dropped half-way through a page still has a clean
index of complete pages. Here each run's three tables are written as their own parquet parts
(each written to a temporary name and renamed, so a part is complete or absent), and then
its **manifest** entry, which is what makes the run count as finished. Killing a sweep at any
moment (even ``kill -9``) leaves only finished runs and at most some parts without a
manifest, which the next sweep rewrites; resuming skips every run with a manifest::

    OUT/experiment.yaml        the resolved experiment, its hash, design, schemes, seed, days
    OUT/scenario.yaml          the resolved base scenario (every default filled in)
    OUT/points.parquet         design points: point + one column per varied key
    OUT/unit_samples.parquet   the [0, 1] samples behind a sampled design (for the analysis)
    OUT/runs/<run>.parquet     one row: ids, design values, every metric (deterministic)
    OUT/daily/<run>.parquet    the run's daily series
    OUT/agents/<run>.parquet   the run's per-agent, per-pay-period rows
    OUT/manifest/<run>.json    written last: scenario hash, code version, seed, timing, host
    OUT/failed/<run>.json      the error of a failed run (removed once it succeeds)

``<run>`` is ``p00012-commission-r0003`` (point, scheme, replication). A store belongs to one
experiment (its hash covers everything but the number of replications): opening it for a
different one is an error, so results of different experiments never mix. One sweep at a
time may write a store (a lock file).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from policysim.errors import UserError

TABLES = ("runs", "daily", "agents")

#: Stores whose write lock this process holds (see :meth:`RunStore.lock`).
_HELD: set[str] = set()
_UMASK: int | None = None


def _umask() -> int:
    global _UMASK
    if _UMASK is None:
        _UMASK = os.umask(0o022)
        os.umask(_UMASK)
    return _UMASK


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)``, flush it to disk and rename it onto ``path`` (all or nothing).

    Unlike a bare ``mkstemp`` file, the result has the ordinary permissions (0666 less the
    umask).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def make_out_dir(out: Path, option: str = "--out") -> Path:
    """Create the ``--out`` directory ``out`` (with its parents) unless it exists; return it.
    Messages name the option as ``option``.

    Raises:
        UserError: If ``out`` is a file or cannot be created.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UserError(f"{option} {out}: expected a directory, found a file")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"{option} {out}: cannot create the directory ({err.strerror})") from None
    return out


def _write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _write_parquet(path: Path, df: pd.DataFrame) -> None:
    atomic_write(path, lambda tmp: df.to_parquet(tmp, index=False))


class RunStore:
    """The results store in directory ``root`` (see the module docstring for the layout)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    # ---------------------------------------------------------------- reading
    def is_store(self) -> bool:
        return (self.root / "experiment.yaml").is_file()

    def info(self) -> dict:
        """The stored experiment record (experiment.yaml)."""
        from ruamel.yaml import YAML

        from ruamel.yaml import YAMLError

        path = self.root / "experiment.yaml"
        try:
            record = YAML(typ="safe", pure=True).load(path.read_text())
        except FileNotFoundError:
            raise UserError(f"{self.root}: not a sweep's results store (no experiment.yaml)") \
                from None
        except (OSError, UnicodeDecodeError, YAMLError) as err:
            raise UserError(f"{path}: expected the store's experiment record, found an "
                            f"unreadable file ({type(err).__name__}); move the store aside or "
                            "choose another --out") from None
        if not isinstance(record, dict):
            raise UserError(f"{path}: expected the store's experiment record (a mapping), "
                            f"found {type(record).__name__}; move the store aside or choose "
                            "another --out")
        return record

    def part(self, table: str, run: str) -> Path:
        return self.root / table / f"{run}.parquet"

    def finished(self, experiment_hash: str | None = None) -> dict[str, dict]:
        """Manifests of finished runs (all three parts present), by run id; with
        ``experiment_hash``, only runs of that experiment."""
        out = {}
        folder = self.root / "manifest"
        if not folder.is_dir():
            return out
        for path in sorted(folder.glob("*.json")):
            try:
                entry = json.loads(path.read_text())
            except (OSError, ValueError):
                continue  # unreadable: treated as not finished, rewritten by the next sweep
            run = path.stem
            if experiment_hash is not None and entry.get("experiment") != experiment_hash:
                continue
            if all(self.part(t, run).is_file() for t in TABLES):
                out[run] = entry
        return out

    def failures(self) -> dict[str, dict]:
        """Failure records of runs that failed and have not succeeded since, by run id."""
        folder = self.root / "failed"
        out = {}
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            with contextlib.suppress(OSError, ValueError):
                out[path.stem] = json.loads(path.read_text())
        return out

    def files(self, table: str) -> list[Path]:
        """The parts of ``table`` of finished runs, in run order."""
        return [self.part(table, run) for run in sorted(self.finished())]

    # ---------------------------------------------------------------- writing
    def open(self, record: dict, resume: bool, extra: dict[str, Callable[[Path], None]]) -> None:
        """Create the store, or check that it holds the same experiment.

        Args:
            record: The experiment record (``hash`` and ``hash_parts`` are compared).
            resume: ``--resume``: the store must already hold this experiment.
            extra: Files written once when the store is created: name -> ``write(path)``.

        Raises:
            UserError: If ``root`` is a file, a non-empty directory that is not a store, a
                store of another experiment, or (``resume``) holds no sweep.
        """
        root = self.root
        if root.exists() and not root.is_dir():
            raise UserError(f"--out {root}: expected a directory, found a file")
        has_files = root.is_dir() and any(p.name != ".lock" for p in root.iterdir())
        if self.is_store():
            old = self.info()
            if old.get("hash") != record["hash"]:
                parts = old.get("hash_parts") or {}
                diff = [k for k, v in record["hash_parts"].items() if parts.get(k) != v]
                raise UserError(
                    f"--out {root}: holds the results of another experiment "
                    f"({old.get('name')!r} from {old.get('source')}; differs in: "
                    f"{', '.join(diff) or 'its hash'}); choose another --out or delete it")
        elif has_files:
            raise UserError(f"--out {root}: a non-empty directory that is not a sweep's "
                            "results store (no experiment.yaml); choose another --out")
        elif resume:
            raise UserError(f"--resume: {root} holds no sweep to resume; run without --resume "
                            "to start one")
        try:
            root.mkdir(parents=True, exist_ok=True)
            for t in (*TABLES, "manifest", "failed"):
                (root / t).mkdir(exist_ok=True)
        except OSError as err:
            raise UserError(f"--out {root}: cannot create the directory ({err.strerror})") \
                from None
        for name, write in extra.items():
            if not (root / name).exists():
                atomic_write(root / name, write)
        _write_text(root / "experiment.yaml", _yaml(record))

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the store's write lock (one sweep at a time); clear debris of killed sweeps.

        A POSIX record lock (``lockf``) belongs to this process alone: worker processes forked
        while it is held do not hold it, so a sweep killed with ``kill -9 PID`` frees its store
        at once even while its orphaned pool workers are still finishing.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        key = os.path.realpath(self.root)
        if key in _HELD:  # record locks do not exclude this process from itself
            raise UserError(f"--out {self.root}: another sweep is writing to this store; "
                            "wait for it or choose another --out")
        fh = open(self.root / ".lock", "a+")
        held = False
        try:
            try:
                import fcntl

                fcntl.lockf(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except ImportError:  # not POSIX: no lock
                pass
            except OSError:
                raise UserError(f"--out {self.root}: another sweep is writing to this store; "
                                "wait for it or choose another --out") from None
            _HELD.add(key)
            held = True
            for t in (*TABLES, "manifest", "failed"):
                for tmp in (self.root / t).glob(".*.tmp") if (self.root / t).is_dir() else []:
                    tmp.unlink(missing_ok=True)
            yield
        finally:
            if held:
                _HELD.discard(key)
            fh.close()

    def commit(self, run: str, tables: dict[str, pd.DataFrame], manifest: dict) -> None:
        """Write a finished run: its parts, then its manifest (which marks it finished)."""
        for t in TABLES:
            _write_parquet(self.part(t, run), tables[t])
        _write_text(self.root / "manifest" / f"{run}.json",
                    json.dumps(manifest, indent=1, sort_keys=True, default=str))
        (self.root / "failed" / f"{run}.json").unlink(missing_ok=True)

    def fail(self, run: str, record: dict) -> None:
        """Record why a run failed."""
        _write_text(self.root / "failed" / f"{run}.json",
                    json.dumps(record, indent=1, sort_keys=True, default=str))


def _yaml(data: dict) -> str:
    import io

    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    buf = io.StringIO()
    yaml.dump(json.loads(json.dumps(data, default=str)), buf)
    return buf.getvalue()

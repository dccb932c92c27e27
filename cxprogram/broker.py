"""The embedded default's message broker: kombu's filesystem transport, made safe to run for months.

kombu's own transport (celery/kombu#1551) creates a message file and only then writes it, so a worker listing the
folder in between reads an empty file and dies on the JSON error; a file cut short by a killed producer or a full
disk does the same; and a message is claimed by moving it to the system's temporary folder, which on another
file system is a copy then a delete that two workers can both win. Here a message is written under a temporary
name and renamed into place, claimed by a rename inside the broker folder (one winner), and a file that cannot be
read as a message is moved to `unreadable/` with a log line while the worker goes on to the next one.
Selected by CELERY_BROKER_TRANSPORT when CELERY_BROKER_URL is `filesystem://` (settings/base.py).
"""

import contextlib
import fcntl
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from queue import Empty
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

logger = logging.getLogger(__name__)

CLAIMED = "claimed"  # messages taken by a worker, read and deleted at once
UNREADABLE = "unreadable"  # message files set aside: empty, cut short, not a message


def write_atomically(path: Path, data: bytes) -> None:
    """Write `path` so that readers see either nothing or all of `data`: a hidden temporary file in the same
    folder, renamed over the name (rename is atomic within a file system)."""
    temporary = path.parent / f".{uuid.uuid4().hex}.tmp"
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


class Channel(filesystem.Channel):
    """kombu's filesystem channel with atomic writes and unreadable messages set aside."""

    def __init__(self, *args, **kwargs):
        self._listed: dict[str, list[str]] = {}  # per queue: names from the last listing not yet tried, newest first
        super().__init__(*args, **kwargs)

    def _put(self, queue, payload, **kwargs):
        """Put a message on `queue`: invisible to consumers until it is complete."""
        # Zero-padded, so that names sort in the order they were written (kombu's do not past a power of ten).
        name = f"{round(monotonic() * 1000):015d}_{uuid.uuid4()}.{queue}.msg"
        try:
            write_atomically(Path(self.data_folder_out) / name, str_to_bytes(dumps(payload)))
        except OSError as error:
            raise ChannelError(f"Cannot add message {name!r} to {self.data_folder_out}: {error}") from error

    def _get(self, queue):
        """The oldest readable message of `queue`; unreadable ones on the way are set aside. The folder is listed
        again only when the names of the last listing are used up: listing it for every message made a backlog
        of n messages cost n² names read."""
        folder = Path(self.data_folder_in)
        claimed = folder / CLAIMED
        claimed.mkdir(exist_ok=True)
        listed = self._listed.setdefault(queue, [])
        fresh = not listed
        if fresh:
            listed.extend(self._list(folder, queue))
        while listed or not fresh:
            if not listed:  # the last listing is used up (other workers took the rest): look again, once
                listed.extend(self._list(folder, queue))
                fresh = True
                continue
            name = listed.pop()
            try:
                os.rename(folder / name, claimed / name)
            except OSError:
                continue  # another worker took it first
            try:
                data = (claimed / name).read_bytes()
            except OSError as error:
                self._set_aside(claimed / name, f"cannot be read: {error}")
                continue
            payload, problem = self._message(data)
            if problem:
                self._set_aside(claimed / name, problem)
                continue
            (claimed / name).unlink()
            return payload
        raise Empty()

    @staticmethod
    def _list(folder: Path, queue: str) -> list[str]:
        """The names of `queue`'s messages in the folder, newest first (taken from the end)."""
        wanted = f"{queue}.msg"
        return sorted((name for name in os.listdir(folder) if name.partition(".")[2] == wanted), reverse=True)

    def _message(self, data: bytes) -> tuple[dict | None, str]:
        """The message in `data` and '', or None and what is wrong with it."""
        if not data:
            return None, "empty"
        try:
            payload = loads(bytes_to_str(data))
            properties = payload["properties"]
            properties["delivery_tag"]  # the virtual transport needs it: check before it fails there
            if payload.get("body"):
                self.decode_body(payload["body"], properties.get("body_encoding"))
        except (ValueError, TypeError, KeyError, UnicodeDecodeError) as error:
            return None, f"not a message ({type(error).__name__}: {error}; {len(data)} bytes)"
        return payload, ""

    def _set_aside(self, path: Path, problem: str) -> None:
        aside = Path(self.data_folder_in) / UNREADABLE
        aside.mkdir(exist_ok=True)
        try:
            os.replace(path, aside / path.name)
        except OSError:
            with contextlib.suppress(OSError):
                path.unlink()
            logger.error("Broker message %s is %s; deleted it (could not move it aside).", path.name, problem)
            return
        logger.error("Broker message %s is %s; moved it to %s and went on.", path.name, problem, aside)

    # Exchange tables (which queues a fanout exchange reaches): kombu truncates and rewrites them in place, so
    # a reader could see an empty table; here they are replaced whole, under a lock file of their own.

    @contextlib.contextmanager
    def _table_lock(self, exchange: str, mode: int) -> Iterator[Path]:
        file = self._exchange_file(exchange)
        self.control_folder.mkdir(parents=True, exist_ok=True)
        with open(file.with_name(file.name + ".lock"), "a") as lock_file:
            fcntl.flock(lock_file.fileno(), mode)
            try:
                yield file
            finally:
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)

    def _read_table(self, file: Path) -> list:
        try:
            return [filesystem.exchange_queue_t(*row) for row in loads(bytes_to_str(file.read_bytes()))]
        except FileNotFoundError:
            return []
        except (ValueError, TypeError, OSError) as error:
            logger.error("Broker exchange table %s is unreadable (%s); starting it afresh.", file.name, error)
            return []

    def get_table(self, exchange):
        with self._table_lock(exchange, fcntl.LOCK_SH) as file:
            return self._read_table(file)

    def _change_table(self, exchange: str, change: Callable[[list], list]) -> None:
        with self._table_lock(exchange, fcntl.LOCK_EX) as file:
            before = self._read_table(file)
            after = change(list(before))
            if after != before or not file.exists():
                write_atomically(file, str_to_bytes(dumps(after)))

    def _queue_bind(self, exchange, routing_key, pattern, queue):
        row = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        self._change_table(exchange, lambda rows: rows if row in rows else [row, *rows])

    def _delete(self, queue, exchange, routing_key, pattern, *args, **kwargs):
        # The virtual channel's own bookkeeping, without kombu's in-place rewrite of the table.
        super(filesystem.Channel, self)._delete(queue, exchange, routing_key, pattern, *args, **kwargs)
        row = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        self._change_table(exchange, lambda rows: [r for r in rows if r != row])


class Transport(filesystem.Transport):
    """The filesystem transport with the channel above."""

    Channel = Channel

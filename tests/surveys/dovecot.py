"""A private dovecot for the feedback mailbox tests: its own configuration, passwd-file user and maildir in a
temporary folder, listening on a free loopback port of 10143-10149, started in the foreground and stopped after.

Run as root, dovecot's login processes use Debian's `dovenull` and `dovecot` users and the mailbox belongs to
`nobody` (dovecot refuses mail access as root); run as anyone else, every process and the mailbox are that user's.
No process chroots (an unprivileged user cannot), which a test instance on loopback does not need."""

import contextlib
import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PORTS = range(10143, 10150)
USER, PASSWORD = "feedback", "secret-for-tests"


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or next((p for p in ("/usr/sbin/dovecot",) if os.access(p, os.X_OK)), None)


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    user: str
    password: str
    log: Path

    def connect(self) -> imaplib.IMAP4:
        connection = imaplib.IMAP4(self.host, self.port, timeout=10)
        connection.login(self.user, self.password)
        return connection

    def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
        """Put a message into the folder as a mail server would (IMAP APPEND, unseen)."""
        connection = self.connect()
        try:
            status, data = connection.append(folder, None, None, raw)
            assert status == "OK", data
        finally:
            connection.logout()

    def flags(self) -> list[str]:
        """Each message's flags, in the folder's order."""
        connection = self.connect()
        try:
            connection.select("INBOX")
            status, data = connection.fetch("1:*", "(FLAGS)")
            return [line.decode() for line in data if line] if status == "OK" and data != [None] else []
        finally:
            connection.logout()


def _free_port() -> int:
    for port in PORTS:
        with contextlib.closing(socket.socket()) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1} for the test dovecot")


@contextlib.contextmanager
def private_dovecot(binary: str) -> Iterator[Mailbox]:
    """Start dovecot with a configuration of its own; yield where to reach it; stop it and remove its folder."""
    root = Path(tempfile.mkdtemp(prefix="cx-dovecot-"))
    root.chmod(0o755)  # dovecot's own users must reach the mail folder below it
    mail = root / "mail"
    mail.mkdir()
    if os.geteuid() == 0:
        owner = pwd.getpwnam("nobody")
        os.chown(mail, owner.pw_uid, owner.pw_gid)
        users = ""
    else:
        owner = pwd.getpwuid(os.geteuid())
        group = grp.getgrgid(owner.pw_gid).gr_name
        users = (
            f"default_login_user = {owner.pw_name}\ndefault_internal_user = {owner.pw_name}\n"
            f"default_internal_group = {group}\n"
        )
    port = _free_port()
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{owner.pw_uid}:{owner.pw_gid}::{mail}::\n")
    config = root / "dovecot.conf"
    config.write_text(
        f"""base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
{users}protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
first_valid_uid = 1
mail_location = maildir:{mail}/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""
    )
    process = subprocess.Popen(  # nosec B603  # our own binary and configuration
        [binary, "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    mailbox = Mailbox("127.0.0.1", port, USER, PASSWORD, root / "dovecot.log")
    try:
        _wait_until_it_answers(mailbox, process)
        yield mailbox
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)


def _wait_until_it_answers(mailbox: Mailbox, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = mailbox.log.read_text() if mailbox.log.exists() else ""
            raise RuntimeError(f"dovecot stopped at start: {process.stderr.read().decode()} {log}")
        try:
            mailbox.connect().logout()
            return
        except (OSError, imaplib.IMAP4.error):
            time.sleep(0.1)
    raise RuntimeError("dovecot did not answer within 15 s")

"""Real IMAP servers for the tests, side by side on 127.0.0.1: Dovecot (two layouts), Cyrus and Courier.

Each server runs from a private temp dir with its own config and users, in a process group of its own, on a
free port; nothing under /etc is read or changed. scripts/setup --dev installs Dovecot and the helpers from
Debian and unpacks `cyrus-imapd` and `courier-imap` (which conflict with dovecot-imapd as packages) into
/opt/inbox-bot-test-servers. How each one is run: /work/shared/design/imap-servers.md.

`any_server` runs a test once per server. A server that cannot start fails its tests with the reason (never
a skip: a skipped server would look like a passing one).

| server        | delimiter | personal prefix | MOVE | UIDPLUS | IDLE                                          |
|---------------|-----------|-----------------|------|---------|-----------------------------------------------|
| dovecot       | /         | ""              | yes  | yes     | yes (inotify)                                 |
| dovecot-dot   | .         | ""              | yes  | yes     | yes (inotify)                                 |
| cyrus         | /         | ""              | yes  | yes     | yes, no idled: imapd looks every second       |
| courier       | .         | "INBOX."        | no   | yes     | yes, no FAM: imapd looks every second         |

Cyrus without idled and Courier without FAM look for changes during IDLE every minute by default; the harness
makes it a second (imapidlepoll, IMAP_IDLE_TIMEOUT) so that push is tested within a short bounded wait.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from base64 import b64encode
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

HOST = "127.0.0.1"  # never anything else: the test servers speak clear text
START_TIMEOUT = 15.0
STOP_TIMEOUT = 15.0
USER_BATCH = 50
SERVERS_ROOT = Path(os.environ.get("INBOX_BOT_TEST_SERVERS", "/opt/inbox-bot-test-servers"))
_APPENDUID = re.compile(rb"\[APPENDUID \d+ (\d+)\]")


class ServerError(RuntimeError):
    pass


class MailUser:
    def __init__(self, name: str, password: str) -> None:
        self.name = name
        self.password = password

    def __repr__(self) -> str:
        return f"MailUser({self.name!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MailUser) and (self.name, self.password) == (other.name, other.password)

    def __hash__(self) -> int:
        return hash((self.name, self.password))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def find_program(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    # /usr/sbin is often not in an ordinary user's PATH.
    for directory in ("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"):
        candidate = os.path.join(directory, name)
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def end_session(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL every process of the leader's session, whatever process group each one made for itself."""
    for _ in range(250):
        members = _session_members(process.pid)
        if not members:
            break
        for pid in members:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.poll()  # reap the leader
        time.sleep(0.02)
    process.wait(STOP_TIMEOUT)


def _session_members(session: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) ": state ppid pgrp session ...
        if int(fields[3]) == session and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def end_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group (start_new_session: its id is the leader's PID), then SIGKILL what is left."""
    for signal_number in (signal.SIGTERM, signal.SIGKILL):
        if _group_ended(process, signal_number):
            break
    process.wait(STOP_TIMEOUT)


def _group_ended(process: subprocess.Popen[bytes], signal_number: int) -> bool:
    try:
        os.killpg(process.pid, signal_number)
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + STOP_TIMEOUT / 2
    while time.monotonic() < deadline:
        process.poll()  # reap the leader: a zombie still counts as a member of the group
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False


class ImapTestServer:
    """What every test server offers: start/stop/restart, fresh users, and plain IMAP helpers to look inside.

    Folder names in the helpers are the server's own ("INBOX.inbox-bot.x" on Courier); `native("a/b")` turns
    a "/"-separated path into one.
    """

    host = HOST
    kind = "imap"
    delimiter = "/"
    prefix = ""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="imap-", dir="/tmp"))  # short: Cyrus keeps unix sockets under it
        self.root.chmod(0o755)  # the servers' unprivileged processes walk down to their files
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._spare: list[MailUser] = []
        self._users = 0

    # -------------------------------------------------------- process

    def command(self) -> list[str]:
        raise NotImplementedError

    def log_files(self) -> list[Path]:
        return [self.root / "stdout.log"]

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        if self.running:
            return
        with (self.root / "stdout.log").open("ab") as output:
            # A session of its own: the server and all it forks share one process group that `stop` ends.
            self._process = subprocess.Popen(
                self.command(),
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise ServerError(f"{self.kind} exited with {self._process.returncode}:\n{self.log_tail()}")
            if self._greets():
                return
            time.sleep(0.05)
        self.stop()
        raise ServerError(f"{self.kind} did not answer on {HOST}:{self.port} in {START_TIMEOUT} s:\n{self.log_tail()}")

    def _greets(self) -> bool:
        try:
            with socket.create_connection((HOST, self.port), timeout=1) as probe:
                return probe.recv(64).startswith(b"* OK")
        except OSError:
            return False

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            self.end(process)

    def end(self, process: subprocess.Popen[bytes]) -> None:
        end_group(process)

    def restart(self) -> None:
        """Stop and start on the same port: open sessions die, mail stays."""
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 30) -> str:
        text = "".join(path.read_text(errors="replace") for path in self.log_files() if path.exists())
        return "\n".join(text.splitlines()[-lines:])

    # -------------------------------------------------------- users

    def add_users(self, users: list[MailUser]) -> None:
        raise NotImplementedError

    def new_user(self) -> MailUser:
        """A user nobody else uses, with an empty INBOX (created by a first login where the server does so)."""
        self.start()  # a previous test may have stopped the server
        if not self._spare:
            first = self._users + 1
            self._users += USER_BATCH
            batch = [MailUser(f"user{n}", secrets.token_urlsafe(12)) for n in range(first, self._users + 1)]
            self.add_users(batch)
            self._spare.extend(batch)
        user = self._spare.pop(0)
        deadline = time.monotonic() + 5
        while True:
            try:
                with self.connect(user) as client:
                    client.select_folder("INBOX")
                return user
            except LoginError:
                # A fresh batch of users may not be seen yet (Dovecot stats its passwd file once a second).
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    # -------------------------------------------------------- looking inside, over IMAP

    def native(self, path: str) -> str:
        """The server's name for a "/"-separated folder path (INBOX stays INBOX)."""
        if path.upper() == "INBOX":
            return "INBOX"
        return self.prefix + path.replace("/", self.delimiter)

    @contextmanager
    def connect(self, user: MailUser) -> Iterator[IMAPClient]:
        client = IMAPClient(HOST, port=self.port, ssl=False, timeout=10)
        client.normalise_times = False
        try:
            client.login(user.name, user.password)
            yield client
        finally:
            try:
                client.logout()
            except Exception:
                client.shutdown()

    def append(
        self,
        user: MailUser,
        folder: str,
        raw: bytes,
        flags: Sequence[bytes | str] = (),
        internaldate: datetime | None = None,
    ) -> int:
        """APPEND one mail (creating the folder if needed); returns its UID."""
        return self.append_many(user, folder, [raw], flags=flags, internaldate=internaldate)[0]

    def append_many(
        self,
        user: MailUser,
        folder: str,
        raws: Sequence[bytes],
        flags: Sequence[bytes | str] = (),
        internaldate: datetime | None = None,
    ) -> list[int]:
        uids = []
        with self.connect(user) as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            for raw in raws:
                response = client.append(folder, raw, flags=flags, msg_time=internaldate)
                match = _APPENDUID.search(response)
                if match is None:
                    raise ServerError(f"no APPENDUID in {response!r}")
                uids.append(int(match.group(1)))
        return uids

    def expunge(self, user: MailUser, folder: str, uids: Sequence[int]) -> None:
        with self.connect(user) as client:
            client.select_folder(folder)
            client.add_flags(list(uids), [b"\\Deleted"], silent=True)
            client.uid_expunge(list(uids))

    def flags(self, user: MailUser, folder: str, uid: int) -> set[bytes]:
        with self.connect(user) as client:
            client.select_folder(folder, readonly=True)
            return set(client.get_flags([uid]).get(uid, ()))

    def folders(self, user: MailUser) -> list[str]:
        with self.connect(user) as client:
            return [str(name) for _flags, _delimiter, name in client.list_folders()]

    def uids(self, user: MailUser, folder: str) -> list[int]:
        with self.connect(user) as client:
            client.select_folder(folder, readonly=True)
            return sorted(int(uid) for uid in client.search("ALL"))

    def uidvalidity(self, user: MailUser, folder: str = "INBOX") -> int:
        with self.connect(user) as client:
            return int(client.folder_status(folder, ["UIDVALIDITY"])[b"UIDVALIDITY"])

    def change_uidvalidity(self, user: MailUser, folder: str = "INBOX") -> tuple[int, int]:
        """Give `folder` a new UIDVALIDITY with the same mails in it, as a restored backup would; (old, new)."""
        raise NotImplementedError


# ---------------------------------------------------------------- Cyrus

CYRUS_CONF = """\
configdirectory: {root}/conf
partition-default: {root}/spool
defaultpartition: default
servername: localhost
cyrus_user: {runas}
admins: {admin}
altnamespace: yes
unixhierarchysep: yes
allowplaintext: yes
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: {root}/sasldb2
sasl_mech_list: PLAIN LOGIN
autocreate_quota: 0
failedloginpause: 0
# Owners get no right implicitly (Cyrus default: lkxan), so an ACL without k really forbids creating folders.
implicit_owner_rights: l
# IDLE without idled: imapd looks for changes itself, every second rather than every minute.
imapidlepoll: 1
"""

# The master does not pass its -C on: every command names the config itself, or it would use /etc/imapd.conf.
CYRUS_SERVICES = """\
START {{
  recover cmd="{bin}/ctl_cyrusdb -C {root}/imapd.conf -r"
}}
SERVICES {{
  imap cmd="{imapd} -C {root}/imapd.conf" listen="{host}:{port}" prefork=0 maxchild=20
}}
"""


class CyrusServer(ImapTestServer):
    """Cyrus IMAP 3.6: `master` from cyrus-common, imapd unpacked from cyrus-imapd; users in a private sasldb.

    Its services refuse to run as root: as root they run as `cyrus`, otherwise as the current user.
    `admin` may SETACL every user's folders (the create-refusal tests).
    """

    kind = "cyrus"
    delimiter = "/"
    admin = MailUser("cyrusadmin", secrets.token_urlsafe(12))

    def __init__(self) -> None:
        super().__init__()
        self.bin = Path("/usr/lib/cyrus/bin")
        self.imapd = SERVERS_ROOT / "cyrus-imapd" / "usr/lib/cyrus/bin/imapd"
        saslpasswd2 = find_program("saslpasswd2")
        if not (self.bin / "master").exists() or not self.imapd.exists() or saslpasswd2 is None:
            raise ServerError(f"Cyrus is not installed (master, {self.imapd}, saslpasswd2): run scripts/setup --dev")
        self.saslpasswd2 = saslpasswd2
        self.runas = "cyrus" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        for name in ("conf/db", "conf/socket", "conf/log", "conf/proc", "conf/user", "conf/quota", "spool", "log"):
            (self.root / name).mkdir(parents=True)
        (self.root / "imapd.conf").write_text(
            CYRUS_CONF.format(root=self.root, runas=self.runas, admin=self.admin.name)
        )
        (self.root / "cyrus.conf").write_text(
            CYRUS_SERVICES.format(bin=self.bin, imapd=self.imapd, root=self.root, host=HOST, port=self.port)
        )
        self.add_users([self.admin])

    def command(self) -> list[str]:
        return [
            str(self.bin / "master"),
            "-C",
            str(self.root / "imapd.conf"),
            "-M",
            str(self.root / "cyrus.conf"),
            "-p",
            str(self.root / "master.pid"),
            "-L",
            str(self.root / "log/master.log"),
        ]

    def log_files(self) -> list[Path]:
        return [self.root / "stdout.log", self.root / "log/master.log"]

    def add_users(self, users: list[MailUser]) -> None:
        database = self.root / "sasldb2"
        for user in users:
            subprocess.run(
                [self.saslpasswd2, "-f", str(database), "-p", "-c", "-u", "localhost", user.name],
                input=user.password.encode(),
                check=True,
                capture_output=True,
                timeout=30,
            )
        if os.geteuid() == 0:
            subprocess.run(["chown", "-R", f"{self.runas}:mail", str(self.root)], check=True, timeout=30)

    def change_uidvalidity(self, user: MailUser, folder: str = "INBOX") -> tuple[int, int]:
        """Cyrus renumbers nothing in place: the admin deletes and recreates the user's INBOX (and with it the
        user's other folders), then the mails come back with their flags and dates. INBOX only."""
        assert folder == "INBOX", "the Cyrus harness renumbers INBOX only"
        old = self.uidvalidity(user)
        with self.connect(user) as client:
            client.select_folder("INBOX", readonly=True)
            uids = client.search("ALL")
            saved = client.fetch(uids, ["BODY.PEEK[]", "FLAGS", "INTERNALDATE"]) if uids else {}
        with self.connect(self.admin) as admin:
            admin.setacl(f"user/{user.name}", self.admin.name, "lrswipkxtecda")
            admin.delete_folder(f"user/{user.name}")
            admin.create_folder(f"user/{user.name}")
        with self.connect(user) as client:
            for _uid, data in sorted(saved.items()):
                flags = [flag for flag in data[b"FLAGS"] if flag != b"\\Recent"]
                client.append("INBOX", data[b"BODY[]"], flags=flags, msg_time=data[b"INTERNALDATE"])
        new = self.uidvalidity(user)
        if new == old:
            raise ServerError(f"cyrus: UIDVALIDITY of INBOX stayed {old}")
        return old, new

    def set_rights(self, user: MailUser, folder: str, rights: str) -> None:
        """SETACL as the Cyrus admin: `folder` is the admin's name for it ("user/<name>" for the INBOX)."""
        with self.connect(self.admin) as admin:
            admin.setacl(folder, user.name, rights)


# ---------------------------------------------------------------- Courier

COURIER_RUN = """\
set -e; C=$1; PORT=$2
mount --bind $C/etc /etc/courier
mount -t tmpfs tmpfs /run && mkdir -p /run/courier/authdaemon
/usr/lib/courier/courier-authlib/authdaemond 2>>$C/log/authdaemond.log & A=$!
env -i PATH=/usr/bin:/bin IMAP_CAPABILITY="{capability}" IMAP_ACL=1 IMAP_IDLE_TIMEOUT=1 \\
  /usr/sbin/couriertcpd -address={host} -maxprocs=40 -maxperip=40 -nodnslookup -noidentlookup \\
  -stderr=$C/log/imapd.log $PORT {imaplogin} {imapd} Maildir & T=$!
trap 'kill -TERM $T $A 2>/dev/null; wait; exit 0' TERM INT
wait
"""
# Courier implements neither MOVE nor CONDSTORE: advertising them would be a lie it cannot keep.
COURIER_CAPABILITY = "IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT THREAD=REFERENCES SORT QUOTA IDLE"


class CourierServer(ImapTestServer):
    """Courier-IMAP 5 (couriertcpd + imaplogin + a private authdaemond) in a mount namespace of its own.

    Three paths are compiled into Courier (/etc/courier/authdaemonrc, /etc/courier/userdb.dat and the
    authdaemon socket under /run), so the server runs under `unshare --mount` with its own dir bind-mounted
    over /etc/courier and a tmpfs over /run: the host sees none of it. Needs real root (CAP_SYS_ADMIN).
    """

    kind = "courier"
    delimiter = "."
    prefix = "INBOX."

    def __init__(self) -> None:
        super().__init__()
        root = SERVERS_ROOT / "courier-imap"
        self.imaplogin, self.imapd = root / "usr/lib/courier/courier/imaplogin", root / "usr/bin/imapd"
        makeuserdb = find_program("makeuserdb")
        if not self.imapd.exists() or makeuserdb is None or find_program("couriertcpd") is None:
            raise ServerError(
                f"Courier is not installed ({self.imapd}, couriertcpd, makeuserdb): run scripts/setup --dev"
            )
        self.makeuserdb: str = makeuserdb
        if os.geteuid() != 0:
            raise ServerError("Courier needs root here (a private mount namespace for its compiled-in /etc paths)")
        nobody = pwd.getpwnam("nobody")
        self.uid, self.gid = nobody.pw_uid, nobody.pw_gid
        for name in ("etc", "home", "log"):
            (self.root / name).mkdir()
        (self.root / "etc/authdaemonrc").write_text('authmodulelist="authuserdb"\ndaemons=3\nDEBUG_LOGIN=0\n')
        (self.root / "etc/userdb").write_text("")
        (self.root / "etc/userdb").chmod(0o600)  # makeuserdb refuses a group- or world-readable file
        script = COURIER_RUN.format(
            host=HOST, capability=COURIER_CAPABILITY, imaplogin=self.imaplogin, imapd=self.imapd
        )
        (self.root / "run.sh").write_text(script)

    def end(self, process: subprocess.Popen[bytes]) -> None:
        # couriertcpd makes a process group of its own, so the whole session goes, at once: authdaemond takes
        # 2-3 s to end on SIGTERM, and nothing here needs a clean stop (Maildir writes are atomic).
        end_session(process)

    def command(self) -> list[str]:
        return [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "sh",
            str(self.root / "run.sh"),
            str(self.root),
            str(self.port),
        ]

    def log_files(self) -> list[Path]:
        return [self.root / "stdout.log", self.root / "log/authdaemond.log", self.root / "log/imapd.log"]

    def add_users(self, users: list[MailUser]) -> None:
        lines = []
        for user in users:
            home = self.root / "home" / user.name
            self._maildir(home / "Maildir")
            digest = b64encode(hashlib.sha1(user.password.encode()).digest()).decode()  # noqa: S324 - authlib's {SHA}
            fields = f"uid={self.uid}|gid={self.gid}|home={home}|mail={home}/Maildir|systempw={{SHA}}{digest}"
            lines.append(f"{user.name}\t{fields}\n")
        userdb = self.root / "etc/userdb"
        with userdb.open("a") as out:
            out.writelines(lines)
        subprocess.run([self.makeuserdb, "-f", str(userdb)], check=True, capture_output=True, timeout=30)

    def _maildir(self, path: Path) -> None:
        for part in ("cur", "new", "tmp"):
            (path / part).mkdir(parents=True)
        for directory in (path.parent, path, *(path / p for p in ("cur", "new", "tmp"))):
            os.chown(directory, self.uid, self.gid)
        path.parent.chmod(0o700)

    def change_uidvalidity(self, user: MailUser, folder: str = "INBOX") -> tuple[int, int]:
        """Courier keeps UIDVALIDITY in the first line of the Maildir's courierimapuiddb ("1 <uidvalidity>
        <next uid>"): a restored backup brings another one, and the same mails. INBOX only."""
        assert folder == "INBOX", "the Courier harness renumbers INBOX only"
        old = self.uidvalidity(user)
        uiddb = self.root / "home" / user.name / "Maildir" / "courierimapuiddb"
        version, _uidvalidity, rest = uiddb.read_text().split(" ", 2)
        staged = uiddb.with_name("courierimapuiddb.new")
        staged.write_text(f"{version} {old + 1} {rest}")
        os.chown(staged, self.uid, self.gid)
        staged.replace(uiddb)
        new = self.uidvalidity(user)
        if new == old:
            raise ServerError(f"courier: UIDVALIDITY of INBOX stayed {old}")
        return old, new


# ---------------------------------------------------------------- fixtures

SERVER_KINDS = ("dovecot", "dovecot-dot", "cyrus", "courier")


def _dovecot_dot() -> ImapTestServer:
    from tests.dovecot import DovecotServer, find_dovecot  # tests.dovecot builds on this module

    binary = find_dovecot()
    if binary is None:
        raise ServerError("dovecot is not installed: run scripts/setup --dev")
    return DovecotServer(binary, separator=".")


_MAKERS: dict[str, Callable[[], ImapTestServer]] = {
    "dovecot-dot": _dovecot_dot,
    "cyrus": CyrusServer,
    "courier": CourierServer,
}


class ServerPool:
    """One server of each kind for the whole session, started the first time a test asks for it.

    A server that cannot be prepared or started fails every test that asks for it, with the reason.
    """

    def __init__(self) -> None:
        self.servers: dict[str, ImapTestServer] = {}
        self.failures: dict[str, str] = {}
        self.seconds: dict[str, float] = {}

    def get(self, kind: str) -> ImapTestServer:
        if kind in self.failures:
            pytest.fail(self.failures[kind], pytrace=False)
        if kind not in self.servers:
            self.servers[kind] = self._start(kind)
        return self.servers[kind]

    def _start(self, kind: str) -> ImapTestServer:
        try:
            server = _MAKERS[kind]()
        except (ServerError, OSError, subprocess.SubprocessError) as exc:
            self.failures[kind] = f"IMAP server {kind} cannot be prepared: {exc}"
            pytest.fail(self.failures[kind], pytrace=False)
        try:
            server.start()
        except ServerError as exc:
            server.close()
            self.failures[kind] = f"IMAP server {kind} did not start: {exc}"
            pytest.fail(self.failures[kind], pytrace=False)
        return server

    def close(self) -> None:
        for server in self.servers.values():
            server.close()


@pytest.fixture(scope="session")
def imap_servers() -> Iterator[ServerPool]:
    pool = ServerPool()
    yield pool
    pool.close()


@pytest.fixture(params=SERVER_KINDS)
def any_server(request: pytest.FixtureRequest, imap_servers: ServerPool) -> ImapTestServer:
    """Each real server in turn; "dovecot" is the suite's own `dovecot` fixture."""
    kind: str = request.param
    if kind == "dovecot":
        server: ImapTestServer = request.getfixturevalue("dovecot")
        return server
    return imap_servers.get(kind)


@pytest.fixture
def any_user(any_server: ImapTestServer) -> MailUser:
    """A user of its own on `any_server`, with an empty INBOX."""
    return any_server.new_user()

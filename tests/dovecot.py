"""A real Dovecot for the IMAP tests: 127.0.0.1 only, its own config, users and Maildirs in a temp dir.

Run as root (CI), the master stays root (it must, to switch users) but every mail process runs as
`nobody` and the login/auth processes as Debian's `dovenull`/`dovecot` accounts (or `nobody`); run as
an ordinary user, everything runs as that user. Nothing outside the temp dir is read or written: the
config includes none of /etc/dovecot, and `dovecot -F` keeps the master in the foreground so its PID
is ours to stop.

OAuth2: the same server takes XOAUTH2 and OAUTHBEARER logins. Dovecot's oauth2 passdb asks a token
introspection endpoint (RFC 7662) served by `TokenIssuer`, a small HTTP server on 127.0.0.1 in a thread
of the test process: `issue_token(user)` makes a token it vouches for, `revoke_token` makes it expire.
Each passdb is limited to its own mechanisms, so a password is never tried as a token, nor a token as
a password.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import re
import secrets
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.certs import Authority
from tests.imapservers import (
    HOST,
    STOP_TIMEOUT,
    ImapTestServer,
    MailUser,
    ServerError,
    find_program,
    free_port,
)

__all__ = ["HOST", "DovecotError", "DovecotServer", "MailUser", "TokenIssuer", "find_dovecot", "free_port"]

# "imap(user)<pid><session>: Info: Logged out in=.. out=.." (or "Disconnected: ... in=..").
_SESSION_END = re.compile(r"imap\((?P<user>[^)]+)\)<.*?(?P<fields>\bin=\d+ out=\d+.*)$")


class DovecotError(ServerError):
    pass


@dataclass(frozen=True)
class Accounts:
    """The Unix accounts Dovecot's processes run as."""

    internal_user: str
    internal_group: str
    login_user: str
    mail_uid: int
    mail_gid: int


def find_dovecot() -> str | None:
    return find_program("dovecot")


def _account(name: str) -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def choose_accounts() -> Accounts:
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid())
        group = grp.getgrgid(me.pw_gid).gr_name
        return Accounts(me.pw_name, group, me.pw_name, me.pw_uid, me.pw_gid)
    nobody = _account("nobody")
    if nobody is None:
        raise DovecotError("running as root needs the `nobody` account for the unprivileged mail processes")
    internal = _account("dovecot") or nobody
    login = _account("dovenull") or nobody
    group = grp.getgrgid(internal.pw_gid).gr_name
    return Accounts(internal.pw_name, group, login.pw_name, nobody.pw_uid, nobody.pw_gid)


CONFIG = """\
# Written by tests/dovecot.py: a throwaway server on {host}:{port}, nothing shared with /etc/dovecot.
instance_name = inbox-bot-test-{port}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = {host}
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
default_internal_user = {accounts.internal_user}
default_internal_group = {accounts.internal_group}
default_login_user = {accounts.login_user}
mail_uid = {accounts.mail_uid}
mail_gid = {accounts.mail_gid}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{root}/mail/%u/Maildir
mail_plugins =
auth_failure_delay = 0  # the default 2 s would slow every wrong-password test
{capability}
# Dovecot's own account of each session, read back by `sessions()`.
imap_logout_format = in=%i out=%o hdr_count=%{{fetch_hdr_count}} body_count=%{{fetch_body_count}} {more}

# Tokens go to the oauth2 passdb only, passwords (LOGIN, AUTHENTICATE PLAIN) to the passwd-file only:
# `mechanisms` (Dovecot 2.3) skips a passdb for the mechanisms it does not list.
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/dovecot-oauth2.conf.ext
}}
passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
  default_fields = home={root}/mail/%u
}}

# No chroot: it needs privileges a container may lack, and the tests need none of its protection.
service imap-login {{
  chroot =
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    address = {host}
    port = {tls_port}
  }}
}}
service anvil {{
  chroot =
  # No auth penalty (2, 4, 8... s before answering 127.0.0.1 after a failed login): the tests fail
  # logins on purpose. Dovecot's documented switch: an unusable anvil-auth-penalty socket.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service auth-worker {{
  user = {accounts.internal_user}
}}

# Special-use folders with names nobody would guess: the adapter must find them by attribute.
namespace inbox {{
  inbox = yes
  separator = {separator}
  mailbox Papierkorb {{
    special_use = \\Trash
    auto = subscribe
  }}
  mailbox "Courrier indesirable" {{
    special_use = \\Junk
    auto = subscribe
  }}
  mailbox Envoyes {{
    special_use = \\Sent
    auto = subscribe
  }}
}}
"""

# Dovecot 2.3's oauth2 passdb: POST token=... to the introspection endpoint, accept the token when the
# answer says "active": true and names the user who logs in (username_attribute).
OAUTH2_CONFIG = """\
# Written by tests/dovecot.py: tokens are checked by the harness's introspection endpoint.
introspection_mode = post
introspection_url = {url}
username_attribute = username
active_attribute = active
active_value = true
timeout_msecs = 5000
"""


class TokenIssuer:
    """An OAuth2 token introspection endpoint (RFC 7662) on 127.0.0.1, for Dovecot's oauth2 passdb.

    Answers `{"active": true, "username": ...}` for a token it issued and has not revoked,
    `{"active": false}` for anything else. Takes the token as Dovecot sends it in each
    introspection_mode: a POSTed form (post), a query parameter (get) or a Bearer header (auth).
    """

    def __init__(self) -> None:
        self._tokens: dict[str, str] = {}  # token -> user name
        self._revoked: set[str] = set()
        self._lock = threading.Lock()
        self.requests = 0  # introspection requests answered: proves Dovecot really asked
        self._server = ThreadingHTTPServer((HOST, 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://{HOST}:{self._server.server_address[1]}/introspect"
        self._thread = threading.Thread(target=self._server.serve_forever, name="token-issuer", daemon=True)
        self._thread.start()

    def issue(self, user_name: str) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = user_name
        return token

    def revoke(self, token: str) -> None:
        """The token expires: the server refuses it from now on."""
        with self._lock:
            self._revoked.add(token)

    def introspect(self, token: str) -> dict[str, object]:
        with self._lock:
            self.requests += 1
            user_name = self._tokens.get(token)
            if user_name is None or token in self._revoked:
                return {"active": False}
            return {"active": True, "username": user_name, "token_type": "Bearer", "scope": "imap"}

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(STOP_TIMEOUT)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # Dovecot's HTTP client keeps the connection open

            def do_GET(self) -> None:  # do_<METHOD>: named by http.server
                token = self.headers.get("Authorization", "").removeprefix("Bearer ").strip()
                query = parse_qs(urlsplit(self.path).query)
                self._answer(token or next(iter(query.get("token", [])), ""))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode("ascii", "replace"))
                self._answer(next(iter(form.get("token", [])), ""))

            def _answer(self, token: str) -> None:
                if urlsplit(self.path).path != "/introspect":
                    self.send_error(404)
                    return
                body = json.dumps(issuer.introspect(token)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # a token in a URL must not end up in the test output

        return Handler


class DovecotServer(ImapTestServer):
    """Start, stop and restart one Dovecot; create users; put mails in; fiddle with UIDVALIDITY.

    `separator` is the namespace's hierarchy separator: "/" (the suite's usual server) or "." (Dovecot's
    default with Maildir). `capability`, when given, replaces the CAPABILITY Dovecot announces after login
    (`imap_capability`): how the suite makes a server without MOVE or UIDPLUS.
    """

    kind = "dovecot"

    def __init__(
        self,
        binary: str,
        *,
        accounts: Accounts | None = None,
        separator: str = "/",
        capability: Sequence[str] | None = None,
        tls: Authority | None = None,
    ) -> None:
        super().__init__()
        self.binary = binary
        doveadm = find_program("doveadm")  # both come with Debian's dovecot-core
        if doveadm is None:
            raise DovecotError("doveadm is missing (it comes with dovecot-core)")
        self.doveadm = doveadm
        self.accounts = accounts or choose_accounts()
        self.delimiter = separator
        self.kind = "dovecot" if separator == "/" else "dovecot-dot"
        self.capability = list(capability) if capability is not None else None
        # With `tls`, the server also answers TLS on `tls_port` (and STARTTLS on `port`) with the CA's certificate.
        self.tls = tls
        self.tls_port = free_port() if tls else 0
        self.config = self.root / "dovecot.conf"
        self.log_path = self.root / "dovecot.log"
        self.passwd = self.root / "passwd"
        self.mail_root = self.root / "mail"
        self.tokens = TokenIssuer()
        try:
            self._prepare()
        except BaseException:
            self.tokens.close()
            raise

    def _prepare(self) -> None:
        for name in ("run", "state", "mail"):
            (self.root / name).mkdir()
        os.chown(self.mail_root, self.accounts.mail_uid, self.accounts.mail_gid)
        self.mail_root.chmod(0o700)
        self.passwd.write_text("")
        self.passwd.chmod(0o644)
        more = "hdr_bytes=%{fetch_hdr_bytes} body_bytes=%{fetch_body_bytes}"
        capability = f"imap_capability = {' '.join(self.capability)}" if self.capability is not None else ""
        self.config.write_text(
            CONFIG.format(
                host=HOST,
                port=self.port,
                tls_port=self.tls_port,
                ssl=self._ssl_settings(),
                root=self.root,
                accounts=self.accounts,
                more=more,
                separator=self.delimiter,
                capability=capability,
            )
        )
        oauth2 = self.root / "dovecot-oauth2.conf.ext"
        oauth2.write_text(OAUTH2_CONFIG.format(url=self.tokens.url))
        oauth2.chmod(0o644)  # read by the auth process

    def _ssl_settings(self) -> str:
        if self.tls is None:
            return "ssl = no"
        return f"ssl = yes\nssl_cert = <{self.tls.cert_file}\nssl_key = <{self.tls.key_file}"

    # -------------------------------------------------------- process

    def command(self) -> list[str]:
        # -F: the master stays in the foreground, so its PID (and process group) is the one to stop.
        # Dovecot 2.3's master exits on SIGTERM but an imap process serving an idle client outlives it
        # (and keeps the log and stats processes alive), whatever `shutdown_clients` says: `stop` ends the
        # whole group, so a restart really cuts the sessions.
        return [self.binary, "-F", "-c", str(self.config)]

    def log_files(self) -> list[Path]:
        return [self.root / "stdout.log", self.log_path]

    def close(self) -> None:
        super().close()
        self.tokens.close()

    # -------------------------------------------------------- users and mails

    def issue_token(self, user: MailUser) -> str:
        """An OAuth2 access token for `user`, good for XOAUTH2 and OAUTHBEARER until revoked."""
        return self.tokens.issue(user.name)

    def revoke_token(self, token: str) -> None:
        self.tokens.revoke(token)

    def add_users(self, users: list[MailUser]) -> None:
        """Add a batch of users at once, so a test seldom waits for Dovecot to re-read the file."""
        lines = "".join(f"{user.name}:{{PLAIN}}{user.password}::::::\n" for user in users)
        staged = self.passwd.with_suffix(".new")
        staged.write_text(self.passwd.read_text() + lines)
        staged.chmod(0o644)  # test passwords only; the auth process runs unprivileged
        staged.replace(self.passwd)  # atomic: Dovecot never reads half a file

    def deliver_files(self, user: MailUser, raws: Sequence[bytes]) -> None:
        """Drop mails straight into the INBOX Maildir (fast: thousands a second, no IMAP).

        They go to cur/ with an empty info part (":2,"), as if a mail client had already listed them,
        so Dovecot has no new/ -> cur/ renames to make at the next SELECT.
        """
        maildir = self.folder_dir(user, "INBOX")
        stamp = int(time.time())
        for number, raw in enumerate(raws):
            name = f"{stamp}.M{number}P{os.getpid()}.inbox-bot-test,S={len(raw)}"
            staged = maildir / "tmp" / name
            staged.write_bytes(raw)
            os.chown(staged, self.accounts.mail_uid, self.accounts.mail_gid)
            staged.rename(maildir / "cur" / f"{name}:2,")  # the Maildir way: whole files appear atomically

    # -------------------------------------------------------- UIDVALIDITY

    def folder_dir(self, user: MailUser, folder: str) -> Path:
        """Maildir++ layout: INBOX is the Maildir itself, "A/B" (or "A.B") is the directory ".A.B"."""
        maildir = self.mail_root / user.name / "Maildir"
        return maildir if folder.upper() == "INBOX" else maildir / ("." + folder.replace(self.delimiter, "."))

    def change_uidvalidity(self, user: MailUser, folder: str = "INBOX") -> tuple[int, int]:
        """Give `folder` a new UIDVALIDITY, as a restored backup or a migrated mailbox would; (old, new).

        `doveadm mailbox update` is Dovecot's own tool for it: open sessions see the new value on
        their next SELECT. (Deleting dovecot-uidlist and the indexes also works for new sessions, but
        an open one then gets "[SERVERBUG] Internal error" on every SELECT.)
        """
        old = self.uidvalidity(user, folder)
        command = [
            self.doveadm,
            "-c",
            str(self.config),
            "mailbox",
            "update",
            "-u",
            user.name,
            "--uid-validity",
            str(old + 1),
            folder,
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
        new = self.uidvalidity(user, folder)
        if done.returncode != 0 or new == old:
            raise DovecotError(f"UIDVALIDITY of {folder} stayed {old}: {done.stderr.strip()}")
        return old, new

    def kick(self, user: MailUser) -> None:
        """End every open session of `user` from the server's side (`doveadm kick`): a BYE, then the socket closes."""
        command = [self.doveadm, "-c", str(self.config), "kick", user.name]
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
        if done.returncode != 0:
            raise DovecotError(f"doveadm kick {user.name} failed: {done.stderr.strip()}")

    # -------------------------------------------------------- what the server saw

    def sessions(self, user: MailUser, count: int, timeout: float = 5.0) -> list[dict[str, int]]:
        """Dovecot's own figures for the user's ended sessions (in/out bytes, bodies sent...).

        Waits until `count` sessions are logged: the log process writes asynchronously.
        """
        deadline = time.monotonic() + timeout
        while True:
            found = self._sessions(user)
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def _sessions(self, user: MailUser) -> list[dict[str, int]]:
        found = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            match = _SESSION_END.search(line)
            if match and match.group("user") == user.name:
                pairs = (item.split("=", 1) for item in match.group("fields").split())
                found.append({key: int(value) for key, value in pairs if value.isdigit()})
        return found

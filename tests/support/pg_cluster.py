"""A throwaway PostgreSQL cluster on 127.0.0.1 for the test run (Debian's postgresql package), or the server
named by $BOARD_TEST_PG_URL. Databases are made from templates, so a test gets a private copy in ~0.1 s."""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

INSTALL_HINT = ("The PostgreSQL tests need Debian's postgresql package: run  apt-get install -y postgresql  "
                "(make test does it when run as root), or set BOARD_TEST_PG_URL to a server's postgres database.")


def _binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name))
    if not found:
        raise RuntimeError(INSTALL_HINT)
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """One server; `url(name)` is a database on it, `create(name, template)` and `drop(name)` manage them."""

    def __init__(self, admin_url: str, stop=None):
        self.admin_url, self._stop = admin_url, stop
        self._names = itertools.count()

    @classmethod
    def start(cls) -> Cluster:
        if os.environ.get("BOARD_TEST_PG_URL"):
            return cls(os.environ["BOARD_TEST_PG_URL"])
        bin_dir, root = _binaries(), Path(tempfile.mkdtemp(prefix="board-pg-"))
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []  # initdb refuses root
        if as_postgres:
            shutil.chown(root, "postgres")
        data, port = root / "data", _free_port()
        run = lambda *args: subprocess.run([*as_postgres, *args], check=True, capture_output=True, text=True)  # noqa: E731
        run(str(bin_dir / "initdb"), "-D", str(data), "-U", "board", "--auth=trust", "-E", "UTF8",
            "--locale=C.UTF-8")
        settings = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={root}"
                    " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300")
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-o", settings, "-w", "start")

        def stop() -> None:
            subprocess.run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                           capture_output=True)
            shutil.rmtree(root, ignore_errors=True)

        return cls(f"postgresql://board@127.0.0.1:{port}/postgres", stop)

    def stop(self) -> None:
        if self._stop:
            self._stop()

    def url(self, name: str) -> str:
        return self.admin_url.rsplit("/", 1)[0] + "/" + name

    def fresh_name(self, prefix: str = "t") -> str:
        return f"board_{prefix}_{os.getpid()}_{next(self._names)}"

    def create(self, name: str, template: str | None = None) -> str:
        with psycopg.connect(self.admin_url, autocommit=True) as pg:
            pg.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.url(name)

    def drop(self, name: str) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as pg:
            pg.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

"""Child processes that can neither outlive the process that started them nor keep anything of it.

A batch too big for one core runs in worker processes. Forked from a web server, such a worker would inherit the
server's listening socket (after a crash of the server it would keep the port, and the next start would fail
with "address already in use") and would go on computing for a parent that no longer exists. So every worker:

- gives up every inherited socket at once (each is replaced by /dev/null, so no stray close can hit a later file);
- asks Linux to kill it when its parent dies (prctl PR_SET_PDEATHSIG), and exits at once if the parent is
  already gone (the parent may die between the fork and that request);
- restores the default handling of SIGTERM and ignores SIGINT, so that the pool that owns it can stop it and
  Ctrl+C reaches only the server.

`die_with_parent` alone serves the web server's own worker processes (`lvzhi serve --workers N`): they end with
the master process, whatever ends it.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import multiprocessing.pool
import os
import signal
import stat
import sys

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
MASTER_ENV = "LVZHI_SERVE_MASTER_PID"  # set by `lvzhi serve`: the process whose workers end with it


def die_with_parent(parent_pid: int, sig: int = signal.SIGKILL) -> bool:
    """Asks the kernel to send `sig` to this process when its parent ends, then checks that the parent is still
    `parent_pid`; exits at once when it is not. False where the kernel offers no such request (not Linux): the
    caller's other means (a closed pipe, the pool's own shutdown) still apply there."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
        return False
    if os.getppid() != parent_pid:  # the parent died before the request was made: nobody would send the signal
        os._exit(1)
    return True


def drop_inherited_sockets() -> int:
    """Replaces every socket this process holds by /dev/null: listening sockets, client connections, database
    connections. Only for a forked worker that uses none of them (a pool's own channels are pipes). The parent
    keeps its copies open and working. Returns how many were dropped."""
    folder = "/proc/self/fd"
    if not os.path.isdir(folder):
        return 0
    dropped = 0
    null = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
    try:
        for name in os.listdir(folder):
            fd = int(name)
            if fd == null:
                continue
            try:
                if stat.S_ISSOCK(os.fstat(fd).st_mode):
                    os.dup2(null, fd)
                    dropped += 1
            except OSError:  # the directory's own descriptor, already gone
                continue
    finally:
        os.close(null)
    return dropped


def batch_worker_started(parent_pid: int) -> None:
    """A pool's `initializer` for workers that compute for `parent_pid` (pass os.getpid() as `initargs`)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        signal.set_wakeup_fd(-1)  # an event loop's wake-up socket, inherited by a fork, is gone below
    except ValueError:  # not the main thread: nothing was set
        pass
    drop_inherited_sockets()
    die_with_parent(parent_pid)


def forked_pool(workers: int) -> multiprocessing.pool.Pool:
    """A pool of `workers` processes forked from this one (they share what it has built, such as a resolver),
    started by `batch_worker_started`. Use it in a `with` block: leaving it terminates the workers."""
    return multiprocessing.get_context("fork").Pool(workers, batch_worker_started, (os.getpid(),))

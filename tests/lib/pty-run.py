#!/usr/bin/env python3
"""pty-run.py [--rows N --cols N] [--input TEXT] [--timeout S] -- CMD ARGS...

Runs CMD with a new pseudo-terminal as its controlling terminal and stdin/stdout/stderr (as a
person at a terminal would: `podman run -it`, `ctr run -t`), with the window size given. TEXT
(backslash escapes such as \\n and \\x04 are decoded) is typed once CMD has printed something or
after 0.5 s. Everything CMD writes to the terminal is copied to our stdout; the exit status is
CMD's (128+N when killed by signal N, 124 after the timeout, default 60 s).
"""
import argparse
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=24)
    p.add_argument("--cols", type=int, default=80)
    p.add_argument("--input", default="")
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    a = p.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if not cmd:
        p.error("no command")
    text = a.input.encode().decode("unicode_escape").encode("latin-1")

    pid, master = pty.fork()
    if pid == 0:
        try:
            os.execvp(cmd[0], cmd)
        except OSError as e:
            os.write(2, ("pty-run: %s: %s\n" % (cmd[0], e)).encode())
        os._exit(127)

    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", a.rows, a.cols, 0, 0))
    start = time.monotonic()
    deadline = start + a.timeout
    typed = not text
    status = None
    while True:
        now = time.monotonic()
        if now > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            sys.stdout.flush()
            print("pty-run: timed out after %gs" % a.timeout, file=sys.stderr)
            return 124
        if not typed and now - start > 0.5:
            os.write(master, text)
            typed = True
        try:
            ready, _, _ = select.select([master], [], [], 0.1)
        except InterruptedError:
            ready = []
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every slave fd is closed
                data = b""
            if data:
                sys.stdout.buffer.write(data)
                sys.stdout.flush()
                if not typed:
                    # Give the program a moment to set its terminal up before typing.
                    time.sleep(0.2)
                    os.write(master, text)
                    typed = True
                continue
            # EOF on the master: collect the child.
            _, status = os.waitpid(pid, 0)
            break
        if status is None:
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                # Drain what is left, then stop.
                while select.select([master], [], [], 0.1)[0]:
                    try:
                        data = os.read(master, 65536)
                    except OSError:
                        break
                    if not data:
                        break
                    sys.stdout.buffer.write(data)
                status = st
                break
    sys.stdout.flush()
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


if __name__ == "__main__":
    sys.exit(main())

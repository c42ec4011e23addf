#!/usr/bin/env python3
"""splice_get.py URL: GET URL over plain HTTP/1.1 and move the body to /dev/null with splice(2),
never copying it into this process; prints the seconds from the request to the last byte.

bench/registry.sh uses it to measure what a registry server can serve rather than what a client
can copy: on loopback, curl's copy of every byte out of the socket is the slowest step, and it
costs more for pages that a server hands over with sendfile (cold in the CPU's caches) than for
a server's own fresh copy. A NIC reading pages by DMA has no such copy; this client is closer to
that."""
import fcntl
import os
import socket
import sys
import time
from urllib.parse import urlsplit

F_SETPIPE_SZ = 1031


def main():
    try:
        get(sys.argv[1])
    except OSError as e:
        sys.exit(f"splice_get: {sys.argv[1]}: {e.strerror or e}")


def get(address):
    url = urlsplit(address)
    if url.scheme != "http" or not url.port:
        sys.exit(f"splice_get: {address}: only http://HOST:PORT/... URLs")
    t0 = time.perf_counter()
    sock = socket.create_connection((url.hostname, url.port))
    target = url.path + ("?" + url.query if url.query else "")
    sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {url.netloc}\r\nConnection: close\r\n\r\n".encode())
    # The head a byte at a time, so that no byte of the body is read into this process.
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        b = sock.recv(1)
        if not b:
            sys.exit("splice_get: the connection closed in the headers")
        head += b
    lines = head.split(b"\r\n")
    status = lines[0].split()
    if len(status) < 2 or status[1] != b"200":
        sys.exit(f"splice_get: {lines[0].decode(errors='replace')}")
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length is None:
        sys.exit("splice_get: no Content-Length")
    r, w = os.pipe()
    fcntl.fcntl(w, F_SETPIPE_SZ, 1 << 20)
    devnull = os.open("/dev/null", os.O_WRONLY)
    left = length
    while left:
        n = os.splice(sock.fileno(), w, min(left, 1 << 20))
        if n == 0:
            sys.exit(f"splice_get: the body ended {left} bytes short")
        left -= n
        while n:
            n -= os.splice(r, devnull, n)
    print("%.3f" % (time.perf_counter() - t0))


main()

#!/usr/bin/env python3
"""attach-client.py SOCKET [ACTION]...: a berth-monitor attach client (see src/monitor/monitor.h).

Connects to the SOCK_SEQPACKET attach socket, performs the actions in order, then copies the
container's output to its own stdout (stream 1) and stderr (stream 2) until the monitor closes
the connection. Actions:
  --ready FILE       create FILE (to tell a test the client is connected)
  --stall SECONDS    sleep without reading (a client that cannot keep up)
  --wait TEXT        read output until TEXT has been seen (copying it)
  --send TEXT        send TEXT to the container's stdin (backslash escapes such as \\n work)
  --resize ROWS COLS resize the container's terminal
  --close-stdin      close the container's stdin
"""
import socket
import sys
import time

STDIN, STDOUT, STDERR, RESIZE, CLOSE_STDIN = 0, 1, 2, 3, 4


def copy(frame):
    out = sys.stdout.buffer if frame[0] == STDOUT else sys.stderr.buffer
    out.write(frame[1:])
    out.flush()


def main():
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    sock.connect(sys.argv[1])
    args = sys.argv[2:]
    seen = b""
    while args:
        action = args.pop(0)
        if action == "--ready":
            open(args.pop(0), "w").close()
        elif action == "--stall":
            time.sleep(float(args.pop(0)))
        elif action == "--wait":
            want = args.pop(0).encode()
            while want not in seen:
                frame = sock.recv(65536)
                if not frame:
                    sys.exit("attach-client: end of output before %r" % want)
                copy(frame)
                seen += frame[1:]
        elif action == "--send":
            text = args.pop(0).encode().decode("unicode_escape").encode()
            sock.send(bytes([STDIN]) + text)
        elif action == "--resize":
            rows, cols = args.pop(0), args.pop(0)
            sock.send(bytes([RESIZE]) + ("%s %s" % (rows, cols)).encode())
        elif action == "--close-stdin":
            sock.send(bytes([CLOSE_STDIN]))
        else:
            sys.exit("attach-client: unknown action " + action)
    while True:
        try:
            frame = sock.recv(65536)
        except ConnectionResetError:  # dropped by the monitor
            break
        if not frame:
            break
        copy(frame)


main()

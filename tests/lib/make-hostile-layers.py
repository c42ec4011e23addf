#!/usr/bin/env python3
"""Writes a corpus of hostile (and a few ordinary) layer tars for tests/unit/test_layer_unpack.c.

usage: make-hostile-layers.py OUTDIR OUTSIDE

OUTSIDE is a directory beside the layer directory holding a file "sentinel": the cases aim at
it with absolute paths, "../" and symlinks, so that an unpacker bug damages only the test's
temporary directory. Each case NAME gives OUTDIR/NAME.tar (or .tar.gz, .tar.zst) and
OUTDIR/NAME.expect, one check per line, fields separated by tabs:

  compression  none|gzip|zstd
  diffid       sha256:...   (hashlib over the uncompressed tar, every byte)
  size         N            (uncompressed bytes)
  refuse       ENTRY        (layer_unpack fails naming the entry: layer entry "ENTRY")
  file         PATH TEXT    (a regular file with that content)
  rootfile     PATH TEXT    (the same, checked when root: inside a locked directory)
  dir          PATH
  symlink      PATH TARGET
  absent       PATH
  mode         PATH OCTAL
  owner        PATH UID GID (checked when root)
  chardev      PATH MAJOR MINOR (checked when root), blockdev likewise, fifo PATH
  xattr        PATH NAME HEX (checked when root)
  noxattr      PATH NAME
  samefile     PATH PATH
  mtime        PATH SECONDS
"""
import gzip
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile

OUT, OUTSIDE = sys.argv[1], os.path.abspath(sys.argv[2])
OUTSIDE_REL = OUTSIDE.lstrip("/")  # where an absolute path to OUTSIDE lands in the layer
SENTINEL = OUTSIDE + "/sentinel"

MTIME = 1500000000


def info(name, kind=tarfile.REGTYPE, mode=0o644, **kw):
    t = tarfile.TarInfo(name)
    t.type = kind
    t.mode = mode
    t.mtime = kw.pop("mtime", MTIME)
    t.uid = kw.pop("uid", 0)
    t.gid = kw.pop("gid", 0)
    for k, v in kw.items():
        setattr(t, k, v)
    return t


def reg(name, text="", **kw):
    data = text.encode() if isinstance(text, str) else text
    t = info(name, size=len(data), **kw)
    return (t, data)


def d(name, mode=0o755, **kw):
    return (info(name, tarfile.DIRTYPE, mode, **kw), None)


def sym(name, target, **kw):
    return (info(name, tarfile.SYMTYPE, 0o777, linkname=target, **kw), None)


def hard(name, target, **kw):
    return (info(name, tarfile.LNKTYPE, 0o644, linkname=target, **kw), None)


def dev(name, kind, major, minor, mode=0o666):
    return (info(name, kind, mode, devmajor=major, devminor=minor), None)


def tar_bytes(entries, fmt=tarfile.PAX_FORMAT, trailer=b""):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tf:
        for t, data in entries:
            tf.addfile(t, io.BytesIO(data) if data is not None else None)
    return buf.getvalue() + trailer


def case(name, entries, checks, compression="none", fmt=tarfile.PAX_FORMAT, trailer=b"",
         raw=None):
    data = raw if raw is not None else tar_bytes(entries, fmt, trailer)
    lines = [("compression", compression),
             ("diffid", "sha256:" + hashlib.sha256(data).hexdigest()),
             ("size", str(len(data)))]
    lines += checks
    if compression == "gzip":
        # Two members: readers must take concatenated members as one stream.
        half = len(data) // 2
        blob = gzip.compress(data[:half]) + gzip.compress(data[half:])
        path = os.path.join(OUT, name + ".tar.gz")
    elif compression == "zstd":
        if shutil.which("zstd") is None:
            return
        blob = subprocess.run(["zstd", "-q", "-c"], input=data, check=True,
                              stdout=subprocess.PIPE).stdout
        path = os.path.join(OUT, name + ".tar.zst")
    else:
        blob = data
        path = os.path.join(OUT, name + ".tar")
    with open(path, "wb") as f:
        f.write(blob)
    with open(os.path.join(OUT, name + ".expect"), "w") as f:
        for fields in lines:
            f.write("\t".join(str(x) for x in fields) + "\n")


os.makedirs(OUT, exist_ok=True)

case("absolute-paths", [
    reg("/abs/file", "a"),
    reg(SENTINEL, "evil"),
], [("file", "abs/file", "a"), ("file", OUTSIDE_REL + "/sentinel", "evil")])

case("dotdot-escapes", [
    reg("../../outside/sentinel", "evil"),
    reg("a/../../../x", "x"),
    reg("./b/./c/../d", "d"),
], [("file", "outside/sentinel", "evil"), ("file", "x", "x"), ("file", "b/d", "d"),
    ("absent", "b/c")])

# The files written through symlinks aim at OUTSIDE, so that a broken unpacker only damages the
# test's directory: "/" + OUTSIDE_REL is OUTSIDE on the host; "../.." from the layer is the
# test's directory (OUTSIDE's parent).
case("symlink-to-root-then-file-through-it", [
    sym("escape", "/"),
    reg("escape/" + OUTSIDE_REL + "/sentinel", "through"),
    sym("up", "../.."),
    reg("up/outside/sentinel", "up"),
], [("symlink", "escape", "/"), ("file", OUTSIDE_REL + "/sentinel", "through"),
    ("file", "outside/sentinel", "up")])

case("symlinked-parent-inside-the-layer", [
    d("outside/"),
    sym("dir", "../../outside"),
    reg("dir/sentinel", "evil"),
    sym("abs", OUTSIDE),
    d(OUTSIDE_REL + "/"),
    reg("abs/sentinel", "evil2"),
], [("symlink", "dir", "../../outside"), ("file", "outside/sentinel", "evil"),
    ("file", OUTSIDE_REL + "/sentinel", "evil2")])

case("symlinked-parent-dangling", [
    sym("dir", OUTSIDE),
    reg("dir/sentinel", "evil"),
], [("refuse", "dir/sentinel")])

case("symlink-chain-parent", [
    d("outside/"),
    sym("a", "b"),
    sym("b", "../../outside"),
    reg("a/sentinel", "chain"),
], [("file", "outside/sentinel", "chain"), ("symlink", "a", "b")])

case("symlink-loop-parent", [
    sym("l1", "l2"),
    sym("l2", "l1"),
    reg("l1/x", "loop"),
], [("refuse", "l1/x")])

case("hardlink-to-etc-passwd", [
    hard("passwd", "/etc/passwd"),
], [("refuse", "passwd")])

case("hardlink-outside", [
    hard("h", "../../outside/sentinel"),
], [("refuse", "h")])

case("hardlink-absolute-outside", [
    reg("keep", "k"),
    hard("h", SENTINEL),
], [("refuse", "h")])

case("hardlink-to-symlink-pointing-out", [
    sym("s", SENTINEL),
    hard("h", "s"),
    hard("h2", "s"),
    reg("h2", "replaced"),
], [("symlink", "s", SENTINEL), ("symlink", "h", SENTINEL), ("samefile", "h", "s"),
    ("file", "h2", "replaced")])

case("hardlink-through-symlinked-parent", [
    reg("x", "data"),
    reg("outside/sentinel", "inner"),
    sym("p", "../.."),
    hard("h", "p/outside/sentinel"),
    sym("r", "/"),
    hard("h2", "r/x"),
    hard("h3", "/x"),
], [("samefile", "h", "outside/sentinel"), ("file", "h", "inner"), ("samefile", "h3", "x"),
    ("samefile", "h2", "x")])

case("hardlink-to-directory", [
    d("dir/"),
    hard("h", "dir"),
], [("refuse", "h")])

case("hardlink-forward-reference", [
    hard("early", "late"),
    reg("late", "l"),
], [("refuse", "early")])

case("device-nodes", [
    dev("dev/null", tarfile.CHRTYPE, 1, 3),
    dev("dev/sda", tarfile.BLKTYPE, 8, 0, 0o660),
    dev("dev/fifo", tarfile.FIFOTYPE, 0, 0, 0o600),
], [("chardev", "dev/null", 1, 3), ("blockdev", "dev/sda", 8, 0), ("fifo", "dev/fifo"),
    ("mode", "dev/fifo", "600")])

case("replacements", [
    d("d/"),
    reg("d/child", "c"),
    reg("d", "file now"),
    reg("f", "file"),
    d("f/", mode=0o750),
    d("s/"),
    reg("s/inner", "i"),
    sym("s", "/etc"),
    sym("link", SENTINEL),
    reg("link", "replaced"),
    d("keep/", mode=0o700),
    reg("keep/a", "a"),
    d("keep/", mode=0o711),
], [("file", "d", "file now"), ("dir", "f"), ("mode", "f", "750"), ("symlink", "s", "/etc"),
    ("file", "link", "replaced"), ("file", "keep/a", "a"), ("mode", "keep", "711")])

case("whiteout-of-dotdot", [
    reg("a/file", "x"),
    reg("a/.wh...", ""),
], [("refuse", "a/.wh...")])

case("whiteout-of-dot", [
    reg(".wh..", ""),
], [("refuse", ".wh..")])

case("whiteout-with-dotdot-path", [
    reg("../../outside/.wh.sentinel", ""),
    reg("/" + OUTSIDE_REL + "/.wh.sentinel", ""),
], [("chardev", "outside/sentinel", 0, 0),
    ("chardev", OUTSIDE_REL + "/sentinel", 0, 0)])

case("whiteouts", [
    reg("x", "to be deleted"),
    reg(".wh.x", ""),
    d("gone/"),
    d("gone/sub/"),
    reg("gone/sub/f", "f"),
    reg(".wh.gone", ""),
    reg("other/.wh.file", ""),
    reg(".wh..wh.plnk", ""),
    sym("wl", SENTINEL),
    reg(".wh.wl", ""),
], [("chardev", "x", 0, 0), ("chardev", "gone", 0, 0), ("chardev", "other/file", 0, 0),
    ("absent", ".wh..wh.plnk"), ("absent", ".wh.x"), ("chardev", "wl", 0, 0)])

case("opaque-directories", [
    d("o/"),
    reg("o/.wh..wh..opq", ""),
    reg("o/kept", "k"),
    reg("implicit/.wh..wh..opq", ""),
    d("forged/", pax_headers={"SCHILY.xattr.trusted.overlay.opaque": "y",
                              "SCHILY.xattr.user.overlay.opaque": "y"}),
], [("xattr", "o", "trusted.overlay.opaque", "79"), ("file", "o/kept", "k"),
    ("xattr", "implicit", "trusted.overlay.opaque", "79"), ("absent", "o/.wh..wh..opq"),
    ("noxattr", "forged", "trusted.overlay.opaque"),
    ("noxattr", "forged", "user.overlay.opaque")])

LONG = "n" * 300
DEEP = "/".join(["d%03d" % i + "x" * 96 for i in range(30)])
case("very-long-component", [
    reg(LONG, "long"),
], [("refuse", LONG), ("absent", "n")])

case("very-long-path", [
    reg(DEEP + "/file", "deep"),
], [("file", DEEP + "/file", "deep")])

case("very-long-path-gnu", [
    reg(DEEP + "/gnu", "gnu"),
    sym("deeplink", DEEP),
], [("file", DEEP + "/gnu", "gnu"), ("symlink", "deeplink", DEEP)], fmt=tarfile.GNU_FORMAT)

case("setuid-setgid-sticky", [
    reg("bin/su", "elf", mode=0o4755),
    reg("bin/user-suid", "elf", mode=0o6711, uid=1000, gid=1000),
    d("shared/", mode=0o2775, gid=50),
    d("tmp/", mode=0o1777),
], [("mode", "bin/su", "4755"), ("mode", "bin/user-suid", "6711"),
    ("owner", "bin/user-suid", 1000, 1000), ("mode", "shared", "2775"),
    ("owner", "shared", 0, 50), ("mode", "tmp", "1777")])

# struct vfs_cap_data, revision 2, effective, permitted = CAP_NET_BIND_SERVICE (10)
CAP = (0x02000001).to_bytes(4, "little") + (1 << 10).to_bytes(4, "little") + bytes(12)
case("xattrs-and-capability", [
    reg("ping", "elf", mode=0o755, uid=1000, pax_headers={
        "SCHILY.xattr.security.capability": CAP.decode("utf-8", "surrogateescape"),
        "SCHILY.xattr.user.comment": "hello",
    }),
    d("xdir/", pax_headers={"SCHILY.xattr.user.dir": "d"}),
], [("xattr", "ping", "security.capability", CAP.hex()),
    ("xattr", "ping", "user.comment", b"hello".hex()), ("owner", "ping", 1000, 0),
    ("xattr", "xdir", "user.dir", b"d".hex())])

case("mtimes", [
    d("old/", mtime=1000000000),
    reg("old/f", "f", mtime=1234567890),
    sym("old/l", "f", mtime=1111111111),
    d("old/sub/", mtime=1000000001),
    reg("old/sub/g", "g"),
], [("mtime", "old", 1000000000), ("mtime", "old/f", 1234567890),
    ("mtime", "old/l", 1111111111), ("mtime", "old/sub", 1000000001)])

case("layer-root-entries", [
    d("./", mode=0o755),
    reg("etc/hostname", "h"),
    reg("..", "not a dir"),
], [("refuse", ".."), ("file", "etc/hostname", "h")])

case("locked-directory", [
    d("locked/", mode=0o000),
    reg("locked/inside", "i", mode=0o000),
    d("ro/", mode=0o555),
    d("ro/deeper/", mode=0o500),
    reg("ro/deeper/f", "f"),
], [("mode", "locked", "0"), ("rootfile", "locked/inside", "i"), ("mode", "ro", "555"),
    ("mode", "ro/deeper", "500"), ("file", "ro/deeper/f", "f")])

case("non-ascii-names", [
    reg("caf\u00e9/na\u00efve.txt", "utf8"),
], [("file", "caf\u00e9/na\u00efve.txt", "utf8")])

CONTENT = [
    d("etc/"),
    reg("etc/os-release", "ID=test"),
    reg("big", bytes(range(256)) * 4096),
    hard("big-link", "big"),
    sym("etc/link", "os-release"),
]
CONTENT_CHECKS = [("file", "etc/os-release", "ID=test"), ("samefile", "big", "big-link"),
                  ("symlink", "etc/link", "os-release")]
case("gzip-layer", CONTENT, CONTENT_CHECKS, compression="gzip")
case("zstd-layer", CONTENT, CONTENT_CHECKS, compression="zstd")
case("ustar-layer", CONTENT, CONTENT_CHECKS, fmt=tarfile.USTAR_FORMAT)
case("data-after-end-of-archive", CONTENT, CONTENT_CHECKS, trailer=bytes(10240) + b"extra")
case("empty-tar", [], [("absent", "etc")], raw=bytes(1024))
case("no-bytes-at-all", [], [("absent", "etc")], raw=b"")

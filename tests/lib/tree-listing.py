#!/usr/bin/env python3
"""tree-listing.py DIR [--no-mtime]: one line per entry under DIR, sorted, for diffing two trees
(an image rootfs mounted by berth against the one umoci unpacks):

    path  type  mode  uid:gid  what  mtime  xattrs  hardlink

type is one of file, dir, symlink, fifo, char, block, socket; mode is the permission bits in
octal with setuid, setgid and sticky; what is the sha256 of a file's content, a symlink's target
or a device's major:minor; mtime (seconds) is left out for directories (unpacking a later layer
changes a directory's mtime in one tool and not another) and altogether with --no-mtime; xattrs
are name=hex pairs, without trusted.overlay.* (overlayfs's own) and security.selinux;
hardlink names the first path (in sorted order) with the same inode, for files with more than
one name in the tree. Does not follow symlinks.
"""
import hashlib
import os
import stat
import sys

SKIP_XATTR_PREFIXES = ("trusted.overlay.", "security.selinux")


def kind(mode):
    for test, name in ((stat.S_ISREG, "file"), (stat.S_ISDIR, "dir"), (stat.S_ISLNK, "symlink"),
                       (stat.S_ISFIFO, "fifo"), (stat.S_ISCHR, "char"), (stat.S_ISBLK, "block"),
                       (stat.S_ISSOCK, "socket")):
        if test(mode):
            return name
    return "unknown"


def xattrs(path):
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return ""
    out = []
    for name in sorted(names):
        if name.startswith(SKIP_XATTR_PREFIXES):
            continue
        try:
            value = os.getxattr(path, name, follow_symlinks=False)
        except OSError as e:
            value = ("<%s>" % e.strerror).encode()
        out.append("%s=%s" % (name, value.hex()))
    return ",".join(out) or "-"


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    with_mtime = "--no-mtime" not in sys.argv[1:]
    if len(args) != 1:
        sys.exit(__doc__)
    root = args[0]
    entries = []
    for dirpath, dirnames, filenames in os.walk(root):
        # A symlink to a directory is listed as a symlink, never followed.
        keep = []
        for d in dirnames:
            st = os.lstat(os.path.join(dirpath, d))
            if not stat.S_ISDIR(st.st_mode):
                filenames.append(d)  # a symlink to a directory
            else:
                keep.append(d)
        dirnames[:] = keep
        for name in dirnames + filenames:
            entries.append(os.path.join(dirpath, name))
    inodes = {}
    rows = []
    for path in sorted(entries):
        rel = os.path.relpath(path, root)
        st = os.lstat(path)
        k = kind(st.st_mode)
        if k == "file":
            what = sha256(path)
        elif k == "symlink":
            what = "->" + os.readlink(path)
        elif k in ("char", "block"):
            what = "%d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
        else:
            what = "-"
        link = "-"
        if k != "dir" and st.st_nlink > 1:
            first = inodes.setdefault((st.st_dev, st.st_ino), rel)
            if first != rel:
                link = "=" + first
        mtime = str(int(st.st_mtime)) if with_mtime and k != "dir" else "-"
        rows.append("\t".join([rel, k, "%04o" % stat.S_IMODE(st.st_mode),
                               "%d:%d" % (st.st_uid, st.st_gid), what, mtime, xattrs(path), link]))
    sys.stdout.write("".join(r + "\n" for r in rows))


if __name__ == "__main__":
    main()

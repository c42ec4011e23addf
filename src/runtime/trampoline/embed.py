#!/usr/bin/env python3
"""embed.py IN OUT: the bytes of IN as a C array in OUT (trampoline_elf, trampoline_elf_size)."""
import sys

data = open(sys.argv[1], "rb").read()
with open(sys.argv[2], "w") as out:
    out.write("/* Generated from the trampoline executable by embed.py. */\n")
    out.write("#include <stddef.h>\n\nconst unsigned char trampoline_elf[] = {\n")
    for i in range(0, len(data), 16):
        out.write("    " + ", ".join("0x%02x" % b for b in data[i:i + 16]) + ",\n")
    out.write("};\nconst size_t trampoline_elf_size = sizeof(trampoline_elf);\n")

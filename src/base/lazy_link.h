/*
 * Lazy binding of the heavy libraries: libcurl, libarchive, libzstd, libisal, libmicrohttpd,
 * libcrypto, and the registry server's libyaml and libcrypt are opened with dlopen() when one of
 * their functions is first called, not at every start of berth.
 *
 * Why: Debian's libcurl brings 30 more libraries (GnuTLS, Kerberos, LDAP, ICU, ...) and
 * libarchive a few more (libxml2 and ICU again), libmicrohttpd GnuTLS, and libcrypto alone has 21
 * 000 relocations, all resolved at load (it is linked with BIND_NOW). The dynamic loader spends
 * about 6 ms of CPU relocating them in every berth process, while most commands (run, ps, rm, exec,
 * logs, ...) never call them: that was most of `berth`'s start-up time.
 *
 * How: the executable does not link those libraries. lazy_link_stubs_x86_64.S defines, for each
 * function berth calls, a symbol of the same name that jumps through a slot; each slot first
 * points at a binder that saves the argument registers, calls lazy_link_bind() below and jumps
 * to the function found, after storing it in the slot (so later calls cost one indirect jump).
 * Callers need no change. A function missing from the list is an undefined reference at link
 * time: add it to the list. Other architectures link the libraries as usual (meson.build).
 */
#pragma once

#include "lazy_link_libraries.h"

/* Opens LIBRARY (once), finds SYMBOL, stores it in *SLOT and returns it. A library or symbol
 * that cannot be found ends the process with status 125 and a one-line message: there is no
 * caller to return an error to, and it means the installation is broken. */
void *lazy_link_bind(void **slot, const char *symbol, long library);

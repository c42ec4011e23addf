/* The library indexes of lazy_link.h, for assembly and C alike. */
#pragma once
#define LAZY_LIBCURL       0
#define LAZY_LIBARCHIVE    1
#define LAZY_LIBZSTD       2
#define LAZY_LIBISAL       3
#define LAZY_LIBMICROHTTPD 4
#define LAZY_LIBCRYPTO     5
#define LAZY_LIBYAML       6
#define LAZY_LIBCRYPT      7
#define LAZY_N_LIBRARIES   8

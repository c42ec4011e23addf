/* The binder of lazily linked libraries (lazy_link.h). */
#include "lazy_link.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

/* The sonames the headers berth is built with belong to (the ABI versions of Debian 12). */
static const char *const sonames[LAZY_N_LIBRARIES] = {
    [LAZY_LIBCURL] = "libcurl.so.4",
    [LAZY_LIBARCHIVE] = "libarchive.so.13",
    [LAZY_LIBZSTD] = "libzstd.so.1",
    [LAZY_LIBISAL] = "libisal.so.2",
    [LAZY_LIBMICROHTTPD] = "libmicrohttpd.so.12",
    [LAZY_LIBCRYPTO] = "libcrypto.so.3",
    [LAZY_LIBYAML] = "libyaml-0.so.2",
    [LAZY_LIBCRYPT] = "libcrypt.so.1",
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void *handles[LAZY_N_LIBRARIES];

__attribute__((noreturn)) static void broken(const char *what, const char *detail)
{
        dprintf(STDERR_FILENO, "berth: %s: %s\n", what, detail ? detail : "unknown error");
        _exit(125);
}

void *lazy_link_bind(void **slot, const char *symbol, long library)
{
        if (library < 0 || library >= LAZY_N_LIBRARIES)
                broken(symbol, "no such lazily linked library");
        /* Threads (a pull's layer workers) may bind at the same time: one dlopen per library,
         * and a slot written once with the same value by whoever gets there. */
        pthread_mutex_lock(&lock);
        void *handle = handles[library];
        if (handle == NULL) {
                handle = dlopen(sonames[library], RTLD_NOW | RTLD_LOCAL);
                if (handle == NULL)
                        broken(sonames[library], dlerror());
                handles[library] = handle;
        }
        void *function = dlsym(handle, symbol);
        if (function == NULL)
                broken(symbol, dlerror());
        __atomic_store_n(slot, function, __ATOMIC_RELEASE);
        pthread_mutex_unlock(&lock);
        return function;
}

/* What content_store.c and content_ingest.c share (private to them). */
#pragma once
#include "content_store.h"

struct content_store {
        char *root;
        int ingest_fd;                       /* ROOT/ingest */
        int algorithm_fd[DIGEST_SHA512 + 1]; /* ROOT/blobs/<algorithm> */
};

/* Reads FD from offset 0 to its end into DIGESTER; the byte count in *size. */
int content_store_hash_fd(int fd, struct digester *digester, uint64_t *size, struct error **err);

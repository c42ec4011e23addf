/* Filesystem helpers for the unit tests that work on directories. */
#pragma once
#include <dirent.h>
#include <stdio.h>
#include <string.h>

/* How many entries (not "." and "..") DIR/SUB has (SUB may be NULL); 0 when it cannot be read. */
static inline size_t test_count_entries(const char *dir, const char *sub)
{
        char path[4096];
        snprintf(path, sizeof(path), "%s%s%s", dir, sub ? "/" : "", sub ? sub : "");
        DIR *d = opendir(path);
        if (d == NULL)
                return 0;
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d)) != NULL)
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        n++;
        closedir(d);
        return n;
}

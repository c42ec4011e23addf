/* The prune commands' confirmation and removal loops (see cli_prune.h). */
#include "cli_prune.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/alloc.h"
#include "cli_image.h"
#include "commands.h"
#include "engine/engine.h"
#include "engine/engine_network.h"
#include "engine/volumes.h"

bool cli_confirm(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs("Are you sure you want to continue? [y/N] ", stderr);
        char answer[16] = "";
        if (!fgets(answer, sizeof(answer), stdin))
                return false;
        return answer[0] == 'y' || answer[0] == 'Y';
}

void cli_add_container_sizes(struct engine *e, const struct container_row *row, json_t *o)
{
        int64_t rw = cli_container_size(e, row->id), image = 0;
        struct digest id;
        struct image_record rec = {0};
        struct error *err = NULL;
        if (digest_parse(row->image_id, &id, &err) == 0 &&
            image_db_get(e->images->db, &id, &rec, &err) > 0)
                image = rec.size;
        error_free(&err);
        image_record_release(&rec);
        _cleanup_free_ char *rw_text = cli_docker_size(rw, 3);
        _cleanup_free_ char *virtual_text = cli_docker_size(rw + image, 3);
        json_object_set_new(o, "SizeRw", json_integer(rw));
        json_object_set_new(o, "SizeRootFs", json_integer(rw + image));
        json_object_set_new(o, "Size", json_sprintf("%s (virtual %s)", rw_text, virtual_text));
}

int64_t cli_container_size(struct engine *e, const char *id)
{
        _cleanup_free_ char *dir = engine_container_dir(e, id);
        _cleanup_free_ char *upper = xasprintf("%s/upper", dir);
        return volume_disk_usage(upper);
}

/* Prints TITLE before the first removed thing's NAME. */
static void report_removed(const char *title, const char *name, bool *any)
{
        if (!*any)
                printf("%s\n", title);
        *any = true;
        printf("%s\n", name);
}

int cli_prune_containers(struct engine *e, struct container_row *rows, size_t n, int64_t *reclaimed)
{
        struct error *err = NULL;
        int ret = 0;
        bool any = false;
        for (size_t i = 0; i < n; i++) {
                struct container_row *row = &rows[i];
                int stopped = cli_container_stopped(e, row, &err);
                if (stopped < 0) {
                        ret = cli_fail(&err);
                        continue;
                }
                if (!stopped)
                        continue;
                int64_t size = cli_container_size(e, row->id);
                if (engine_container_remove(e, row, false, &err) < 0) {
                        ret = cli_fail(&err);
                        continue;
                }
                report_removed("Deleted Containers:", row->id, &any);
                *reclaimed += size;
        }
        if (any)
                printf("\n");
        return ret;
}

int cli_prune_volumes(struct engine *e, const struct volume_info *volumes, size_t n,
                      int64_t *reclaimed)
{
        struct error *err = NULL;
        int ret = 0;
        bool any = false;
        for (size_t i = 0; i < n; i++) {
                char **users = volume_users(e, volumes[i].name, &err);
                bool unused = users && !users[0];
                volume_free_names(users);
                if (!unused) {
                        if (err)
                                ret = cli_fail(&err);
                        continue;
                }
                int64_t size = 0;
                if (volume_remove(e, volumes[i].name, true, &size, &err) < 0) {
                        ret = cli_fail(&err);
                        continue;
                }
                report_removed("Deleted Volumes:", volumes[i].name, &any);
                *reclaimed += size;
        }
        if (any)
                printf("\n");
        return ret;
}

int cli_prune_networks(struct engine *e)
{
        struct error *err = NULL;
        char **removed = NULL;
        int ret = 0;
        if (engine_network_prune(e, &removed, &err) < 0)
                ret = cli_fail(&err);
        if (removed && removed[0])
                printf("Deleted Networks:\n");
        for (char **r = removed; r && *r; r++) {
                printf("%s\n", *r);
                free(*r);
        }
        free(removed);
        return ret;
}

/* pause and resume: freeze and thaw every process of a container through its cgroup. */
#include <getopt.h>
#include <stdio.h>

#include "cgroup_freezer.h"
#include "commands.h"
#include "container.h"
#include "error.h"

static int pause_or_resume(const struct runtime_options *rt, int argc, char **argv, bool pause)
{
        const char *name = pause ? "pause" : "resume";
        static const struct option flags[] = {{"help", no_argument, NULL, 'h'}, {0}};
        int opt;
        while ((opt = getopt_long(argc, argv, "+h", flags, NULL)) != -1) {
                if (opt == 'h') {
                        printf("usage: berth-runtime %s CONTAINER-ID\n", name);
                        return 0;
                }
                return cli_bad_flag(name, argv);
        }
        if (cli_expect_args(name, argc, argv, optind, 1, "container id"))
                return 1;
        const char *id = argv[optind];
        struct error *err = NULL;
        _cleanup_container_record_ struct container_record *rec =
            container_record_load(rt, id, &err);
        if (rec == NULL)
                return cli_fail(&err);
        enum container_status status = container_status(rt, rec);
        /* As runc: only a running (or created) container pauses, only a paused one
         * resumes. */
        if (pause && status != CONTAINER_RUNNING && status != CONTAINER_CREATED)
                error_set(&err, 0, "container %s is not running", id);
        else if (!pause && status != CONTAINER_PAUSED)
                error_set(&err, 0, "container %s is not paused", id);
        else if (rec->cgroup == NULL)
                error_set(&err, 0, "container %s has no cgroup", id);
        else if ((pause ? cgroup_freeze(rec->cgroup, &err) : cgroup_thaw(rec->cgroup, &err)) < 0)
                error_wrap(&err, "%s %s", name, id);
        return err ? cli_fail(&err) : 0;
}

int cmd_pause(const struct runtime_options *rt, int argc, char **argv)
{
        return pause_or_resume(rt, argc, argv, true);
}

int cmd_resume(const struct runtime_options *rt, int argc, char **argv)
{
        return pause_or_resume(rt, argc, argv, false);
}

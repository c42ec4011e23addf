/* The runtime verbs berth runs in its own process when the runtime is the built-in
 * berth-runtime (engine_runtime_builtin.h). */
#include "engine_runtime_builtin.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/process.h"
#include "runtime/container.h"

int engine_runtime_in_process(const char *runtime_root, const char *runtime,
                              const char *const *args, char **output, int *rc, struct error **err)
{
        const struct runtime_options rt = {.root = runtime_root};
        const char *verb = args[0];
        size_t n = 0;
        while (args[n])
                n++;
        if (strcmp(verb, "state") == 0 && n == 2) {
                /* Without the config: berth reads the status and the pid, not the annotations. */
                _cleanup_container_record_ struct container_record *rec =
                    container_record_load_state(&rt, args[1], err);
                if (rec == NULL) {
                        *rc = -1;
                } else {
                        char *json = container_state_json(&rt, rec, true);
                        if (output)
                                *output = json;
                        else
                                free(json);
                        *rc = 0;
                }
        } else if (strcmp(verb, "start") == 0 && n == 2) {
                *rc = container_start(&rt, args[1], err);
        } else if (strcmp(verb, "kill") == 0 && n == 3) {
                int sig = signal_parse(args[2]);
                if (sig < 0)
                        return 0;
                *rc = container_kill(&rt, args[1], sig, false, err);
        } else if (strcmp(verb, "delete") == 0 &&
                   (n == 2 || (n == 3 && !strcmp(args[1], "--force")))) {
                *rc = container_delete(&rt, args[n - 1], n == 3, err);
        } else {
                return 0;
        }
        if (*rc < 0)
                error_wrap(err, "%s %s", runtime, verb);
        else if (output && !*output)
                *output = xstrdup("");
        return 1;
}

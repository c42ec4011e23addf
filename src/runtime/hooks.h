/* POSIX platform hooks (config.md "hooks"): each runs with the container state on stdin,
 * its own args and env, and an optional timeout. */
#pragma once

struct error;
struct oci_hook_list;

/* Runs the hooks in order; the first failure stops them and sets *err, naming the kind
 * ("prestart") and the hook, with what the hook printed. */
int hooks_run(const struct oci_hook_list *hooks, const char *kind, const char *state_json,
              struct error **err);
/* Runs every hook even when some fail (poststop: runtime.md step 13); each failure is logged
 * as a warning. */
void hooks_run_all(const struct oci_hook_list *hooks, const char *kind, const char *state_json);

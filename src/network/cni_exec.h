/*
 * Running one CNI plugin (CNI SPEC.md, section 2 "Execution Protocol"): its binary found on
 * the CNI path, the parameters in CNI_* environment variables, the request configuration on
 * stdin, a result (or an error object) on stdout.
 */
#pragma once
#include <jansson.h>

struct error;

/* The attachment parameters (SPEC.md section 3, "Attachment Parameters"). */
struct cni_attachment {
        const char *container_id;
        const char *netns;    /* path of the network namespace */
        const char *ifname;   /* the interface inside it: eth0, eth1, ... */
        const char *cni_path; /* directories of plugin binaries, ':'-separated */
};

/* Where Debian (containernetworking-plugins), Fedora and upstream install the plugins. */
#define CNI_DEFAULT_PATH "/usr/lib/cni:/usr/libexec/cni:/opt/cni/bin"

/* Runs plugin TYPE with CNI_COMMAND=COMMAND ("ADD", "DEL", ...) and REQUEST on stdin. On
 * success, with RESULT not NULL, *RESULT gets the parsed stdout (a new reference; NULL when
 * it printed nothing). A failure is one line: "plugin TYPE: MSG: DETAILS". */
int cni_exec(const struct cni_attachment *a, const char *command, const char *type, json_t *request,
             json_t **result, struct error **err);

/* The one-line reason a plugin failed (SPEC.md section 5 "Error"): the error object's msg
 * and details from OUT (the Go plugins print it on stdout, some runtimes expect stderr, so
 * both are tried), else the last line of ERRTEXT, else the exit status. Newly allocated. */
char *cni_error_text(const char *out, const char *errtext, int wait_status);

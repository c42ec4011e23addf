/* `run` without --detach: the runtime stays with its container until the init exits. */
#pragma once
#include <signal.h>

struct error;
struct created_container;

/* The signals a foreground run forwards to the container, plus SIGCHLD; block them before
 * container_create() so that none is lost in between. */
void foreground_signal_set(sigset_t *set);
/* Forwards signals, proxies the pty (when c->pty_master >= 0) between our stdio and the
 * container, and reports an exec failure. Returns the init's exit status as a shell shows it
 * (the code, or 128+signal), or -1 with *err. */
int foreground_wait(struct created_container *c, struct error **err);

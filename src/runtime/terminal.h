/* process.terminal: a pty made inside the container, whose master goes to the console
 * socket (runc's protocol: one SCM_RIGHTS message) or, for a foreground run, to us. */
#pragma once

struct error;
struct init_context;

/* In the container, after pivot_root: the pty slave becomes stdio and controlling tty. */
int terminal_setup(struct init_context *ctx, struct error **err);

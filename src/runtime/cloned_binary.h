/* CVE-2019-5736: a container must never reach the runtime's own binary on the host. Before
 * berth-runtime's code runs inside a container (create, run, exec), it re-executes itself
 * from a sealed memfd copy, so /proc/PID/exe of every runtime process a container can see is
 * that copy: opening it for writing fails, and the host binary stays out of reach. */
#pragma once

struct error;

/* Returns 0 when already running from a sealed copy; otherwise execs the copy and does not
 * return, or returns -1 with *err. */
int cloned_binary_ensure(char **argv, struct error **err);

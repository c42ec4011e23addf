/*
 * What the engine does around a container's start and after its exit, beyond the runtime:
 * the record's restart policy, health check and exit command (set at create), the "stopped by
 * the user" flag, and putting a container's bundle back after a reboot cleared the runroot.
 * engine_container_cleanup() (engine.h) is the exit command's work.
 *
 * Fields of the record's JSON (container_db.h) kept here:
 *   options.restartPolicy {"Name","MaximumRetryCount"}   docker's HostConfig.RestartPolicy
 *   options.healthcheck   docker's Healthcheck (health.h), absent when there is none
 *   exitCommand           argv the monitor runs when the container exits, absent when none
 *   restartCount          restarts by the policy since the last start by the user
 *   restartDelayMs        the back-off waited before the last restart (restart_policy.h)
 *   stoppedByUser         stop, kill or rm -f was asked: the policy does not restart it
 *   restarting            the cleanup waits out a back-off before restarting it
 */
#pragma once
#include <jansson.h>

#include "engine.h"

/* At create, into DATA (the new record's JSON, whose "options" exists): restartPolicy and
 * healthcheck from the request (IMAGE_CONFIG is the image's "config"), and exitCommand when
 * the container needs work after it exits (network teardown, a restart policy, detached
 * --rm). Also keeps a copy of the bundle (config.json, hostname, hosts, resolv.conf) under
 * ROOT/containers/ID/bundle, from which a start after a reboot restores it. */
int engine_post_exit_record(struct engine *e, const struct engine_create_request *r,
                            json_t *image_config, const char *id, json_t *data, struct error **err);

/* `berth stop/kill/rm -f`: records that the user stopped the container (the restart policy
 * leaves it stopped). Errors are ignored: a missing record needs no flag. */
void engine_container_note_user_stop(struct engine *e, const char *id);

/* Under the container's lock, before a start: ROW's data reloaded from the database; a start
 * by the user (not by the policy) resets the restart count, back-off and stop flag; the
 * health state reset; after a reboot, the bundle restored and the rootfs mounted again. */
int engine_container_prepare_start(struct engine *e, struct container_row *row, struct error **err);

/* The monitor's health options for ROW's container (appended to ARGV at *N, within MAX):
 * --health-interval SECONDS (written into INTERVAL) --health-command BERTH --health-arg ...
 * for `berth healthcheck run ID`. Nothing without a healthcheck. */
void engine_monitor_health_args(const struct container_row *row, const char **argv, size_t *n,
                                size_t max, char interval[32]);

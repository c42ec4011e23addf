/* Logging for the command-line tools: stderr, plus an optional log file in text or in
 * runc's JSON-lines format ({"level":..,"msg":..,"time":..}), which containerd reads. */
#pragma once
#include <stdbool.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };
enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

struct error;

/* path may be NULL (stderr only). Returns -1 with *err set if the file cannot be opened. */
int log_open(const char *path, enum log_format format, bool debug, struct error **err);
void log_close(void);
/* Prefix for stderr lines, e.g. "berth-runtime". */
void log_set_program(const char *name);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool log_debug_enabled(void);

#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)                                                                             \
        do {                                                                                       \
                if (log_debug_enabled())                                                           \
                        log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__);                                     \
        } while (0)

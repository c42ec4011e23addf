/* [containers] netns from containers.conf (containers_conf.h). The files are TOML; only flat
 * `key = "string"` lines of one table are needed, so a line reader does: arrays, inline
 * tables and other tables are skipped, and a value it cannot read counts as not set. */
#include "containers_conf.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/fs.h"

static char *trim(char *s)
{
        while (*s == ' ' || *s == '\t')
                s++;
        char *end = s + strlen(s);
        while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
                *--end = '\0';
        return s;
}

char *containers_conf_netns(const char *text)
{
        _cleanup_free_ char *copy = xstrdup(text);
        char *value = NULL;
        bool in_containers = false;
        for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
                line = trim(line);
                if (*line == '[') {
                        char *end = strchr(line, ']');
                        if (end) {
                                *end = '\0';
                                in_containers = strcmp(trim(line + 1), "containers") == 0;
                        }
                        continue;
                }
                if (!in_containers || strncmp(line, "netns", 5) != 0)
                        continue;
                char *rest = trim(line + 5);
                if (*rest != '=')
                        continue;
                rest = trim(rest + 1);
                char quote = *rest;
                if (quote != '"' && quote != '\'')
                        continue;
                char *end = strchr(rest + 1, quote);
                if (!end)
                        continue;
                free(value);
                value = xstrndup(rest + 1, (size_t)(end - rest - 1));
        }
        return value;
}

/* Applies PATH's netns, if it has one, to *mode. */
static void read_file(const char *path, char **mode)
{
        _cleanup_free_ char *text = fs_read_file(path, NULL, NULL);
        if (!text)
                return;
        char *netns = containers_conf_netns(text);
        if (netns) {
                free(*mode);
                *mode = netns;
        }
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
        return strcmp((*a)->d_name, (*b)->d_name);
}

const char *containers_conf_default_network(void)
{
        _cleanup_free_ char *mode = NULL;
        const char *env = getenv("CONTAINERS_CONF");
        if (env && *env) {
                read_file(env, &mode);
        } else {
                read_file("/usr/share/containers/containers.conf", &mode);
                read_file("/etc/containers/containers.conf", &mode);
                struct dirent **names = NULL;
                int n = scandir("/etc/containers/containers.conf.d", &names, NULL, by_name);
                for (int i = 0; i < n; i++) {
                        size_t len = strlen(names[i]->d_name);
                        if (len > 5 && strcmp(names[i]->d_name + len - 5, ".conf") == 0) {
                                _cleanup_free_ char *path = xasprintf(
                                    "/etc/containers/containers.conf.d/%s", names[i]->d_name);
                                read_file(path, &mode);
                        }
                        free(names[i]);
                }
                free(names);
        }
        if (mode && strcmp(mode, "none") == 0)
                return "none";
        if (mode && strcmp(mode, "host") == 0)
                return "host";
        return "bridge";
}

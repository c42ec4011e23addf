/* The registry server's settings: defaults and the YAML file (libyaml's document API). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/alloc.h"
#include "registry_server.h"

void registry_server_config_init(struct registry_server_config *c)
{
        *c = (struct registry_server_config){
            .addr = xstrdup("127.0.0.1:5000"),
            .storage = xstrdup("/var/lib/berth-registry"),
            /* spec.md "Pushing Manifests": at least 4 MB must be accepted. */
            .max_manifest_size = 4 * 1024 * 1024,
            .max_blob_size = 0,
            .connection_timeout = 60,
            .header_timeout = 30,
            .upload_timeout = 3600,
            .threads = 8,
            .max_connections = 1024,
            .access_log = xstrdup("-"),
            .access_log_format = ACCESS_LOG_JSON,
            .htpasswd_realm = xstrdup("berth-registry"),
            .token_service = xstrdup("berth-registry"),
            .token_issuer = xstrdup("berth-registry"),
            .token_expiration = 300,
            /* Longer than any push takes between a blob's upload and its manifest. */
            .gc_grace_period = 3600,
        };
}

void registry_server_config_release(struct registry_server_config *c)
{
        free(c->addr);
        free(c->storage);
        free(c->access_log);
        free(c->htpasswd_path);
        free(c->htpasswd_realm);
        free(c->token_realm);
        free(c->token_service);
        free(c->token_issuer);
        free(c->token_rootcertbundle);
        free(c->token_signing_key);
        free(c->tls_certificate);
        free(c->tls_key);
        *c = (struct registry_server_config){0};
}

/* A scalar setting's parser: TEXT into the field at FIELD. */
enum setting_type {
        SETTING_STRING,
        SETTING_BOOL,
        SETTING_SIZE,
        SETTING_UINT,
        SETTING_DURATION,
        SETTING_LOG_FORMAT
};

static const struct setting {
        const char *path; /* dotted keys */
        enum setting_type type;
        size_t offset;
} settings[] = {
    {"addr", SETTING_STRING, offsetof(struct registry_server_config, addr)},
    {"storage", SETTING_STRING, offsetof(struct registry_server_config, storage)},
    {"read_only", SETTING_BOOL, offsetof(struct registry_server_config, read_only)},
    {"delete.enabled", SETTING_BOOL, offsetof(struct registry_server_config, delete_enabled)},
    {"limits.max_manifest_size", SETTING_SIZE,
     offsetof(struct registry_server_config, max_manifest_size)},
    {"limits.max_blob_size", SETTING_SIZE, offsetof(struct registry_server_config, max_blob_size)},
    {"limits.connection_timeout", SETTING_DURATION,
     offsetof(struct registry_server_config, connection_timeout)},
    {"limits.header_timeout", SETTING_DURATION,
     offsetof(struct registry_server_config, header_timeout)},
    {"limits.upload_timeout", SETTING_DURATION,
     offsetof(struct registry_server_config, upload_timeout)},
    {"limits.threads", SETTING_UINT, offsetof(struct registry_server_config, threads)},
    {"limits.max_connections", SETTING_UINT,
     offsetof(struct registry_server_config, max_connections)},
    {"limits.max_connections_per_ip", SETTING_UINT,
     offsetof(struct registry_server_config, max_connections_per_ip)},
    {"auth.htpasswd.path", SETTING_STRING, offsetof(struct registry_server_config, htpasswd_path)},
    {"auth.htpasswd.realm", SETTING_STRING,
     offsetof(struct registry_server_config, htpasswd_realm)},
    {"auth.token.realm", SETTING_STRING, offsetof(struct registry_server_config, token_realm)},
    {"auth.token.service", SETTING_STRING, offsetof(struct registry_server_config, token_service)},
    {"auth.token.issuer", SETTING_STRING, offsetof(struct registry_server_config, token_issuer)},
    {"auth.token.rootcertbundle", SETTING_STRING,
     offsetof(struct registry_server_config, token_rootcertbundle)},
    {"auth.token.builtin", SETTING_BOOL, offsetof(struct registry_server_config, token_builtin)},
    {"auth.token.signing_key", SETTING_STRING,
     offsetof(struct registry_server_config, token_signing_key)},
    {"auth.token.expiration", SETTING_DURATION,
     offsetof(struct registry_server_config, token_expiration)},
    {"auth.token.anonymous_pull", SETTING_BOOL,
     offsetof(struct registry_server_config, token_anonymous_pull)},
    {"tls.certificate", SETTING_STRING, offsetof(struct registry_server_config, tls_certificate)},
    {"tls.key", SETTING_STRING, offsetof(struct registry_server_config, tls_key)},
    {"gc.interval", SETTING_DURATION, offsetof(struct registry_server_config, gc_interval)},
    {"gc.grace_period", SETTING_DURATION, offsetof(struct registry_server_config, gc_grace_period)},
    {"log.access", SETTING_STRING, offsetof(struct registry_server_config, access_log)},
    {"log.format", SETTING_LOG_FORMAT, offsetof(struct registry_server_config, access_log_format)},
};

/* "4MiB", "512k", "1G", "1048576": bytes (k/m/g powers of 1024, an optional "iB"/"B"). */
static bool parse_size(const char *text, uint64_t *out)
{
        char *end = NULL;
        errno = 0;
        unsigned long long v = strtoull(text, &end, 10);
        if (errno || end == text || text[0] == '-')
                return false;
        uint64_t mult = 1;
        switch (*end) {
        case 'k':
        case 'K':
                mult = 1ull << 10;
                end++;
                break;
        case 'm':
        case 'M':
                mult = 1ull << 20;
                end++;
                break;
        case 'g':
        case 'G':
                mult = 1ull << 30;
                end++;
                break;
        default:
                break;
        }
        if (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0 || (mult == 1 && strcmp(end, "") == 0))
                end += strlen(end);
        if (*end != '\0' || (v && mult > UINT64_MAX / v))
                return false;
        *out = v * mult;
        return true;
}

/* "90", "90s", "15m", "2h", "1d": seconds. */
static bool parse_duration(const char *text, unsigned *out)
{
        char *end = NULL;
        errno = 0;
        unsigned long long v = strtoull(text, &end, 10);
        if (errno || end == text || text[0] == '-')
                return false;
        unsigned long long mult = 1;
        if (*end == 's')
                end++;
        else if (*end == 'm')
                mult = 60, end++;
        else if (*end == 'h')
                mult = 3600, end++;
        else if (*end == 'd')
                mult = 86400, end++;
        if (*end != '\0' || v > UINT32_MAX / mult)
                return false;
        *out = (unsigned)(v * mult);
        return true;
}

static int apply(struct registry_server_config *c, const struct setting *s, const char *text,
                 struct error **err)
{
        char *field = (char *)c + s->offset;
        switch (s->type) {
        case SETTING_STRING:
                free(*(char **)field);
                *(char **)field = xstrdup(text);
                return 0;
        case SETTING_BOOL:
                if (strcmp(text, "true") == 0 || strcmp(text, "yes") == 0)
                        *(bool *)field = true;
                else if (strcmp(text, "false") == 0 || strcmp(text, "no") == 0)
                        *(bool *)field = false;
                else
                        return error_set(err, 0, "%s: \"%s\" is not true or false", s->path, text);
                return 0;
        case SETTING_SIZE:
                if (!parse_size(text, (uint64_t *)field))
                        return error_set(err, 0, "%s: \"%s\" is not a size", s->path, text);
                return 0;
        case SETTING_UINT: {
                char *end = NULL;
                errno = 0;
                unsigned long v = strtoul(text, &end, 10);
                if (errno || end == text || *end || text[0] == '-' || v > UINT32_MAX)
                        return error_set(err, 0, "%s: \"%s\" is not a number", s->path, text);
                *(unsigned *)field = (unsigned)v;
                return 0;
        }
        case SETTING_DURATION:
                if (!parse_duration(text, (unsigned *)field))
                        return error_set(err, 0,
                                         "%s: \"%s\" is not a duration (90, 90s, 15m, 2h, 1d)",
                                         s->path, text);
                return 0;
        case SETTING_LOG_FORMAT:
                if (strcmp(text, "json") == 0)
                        *(enum access_log_format *)field = ACCESS_LOG_JSON;
                else if (strcmp(text, "logfmt") == 0)
                        *(enum access_log_format *)field = ACCESS_LOG_LOGFMT;
                else
                        return error_set(err, 0, "%s: \"%s\" is not json or logfmt", s->path, text);
                return 0;
        }
        return 0;
}

/* Walks mapping NODE whose keys are under PREFIX ("" at the top). */
static int walk(struct registry_server_config *c, yaml_document_t *doc, yaml_node_t *node,
                const char *prefix, struct error **err)
{
        if (node->type != YAML_MAPPING_NODE)
                return error_set(err, 0, "%s: expected a mapping",
                                 prefix[0] ? prefix : "top level");
        for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top;
             p++) {
                yaml_node_t *key = yaml_document_get_node(doc, p->key);
                yaml_node_t *value = yaml_document_get_node(doc, p->value);
                if (key == NULL || value == NULL || key->type != YAML_SCALAR_NODE)
                        return error_set(err, 0, "%s: keys must be strings", prefix);
                _cleanup_free_ char *path =
                    prefix[0] ? xasprintf("%s.%s", prefix, (char *)key->data.scalar.value)
                              : xstrdup((char *)key->data.scalar.value);
                if (value->type == YAML_MAPPING_NODE) {
                        if (walk(c, doc, value, path, err) < 0)
                                return -1;
                        continue;
                }
                const struct setting *s = NULL;
                for (size_t i = 0; i < ARRAY_SIZE(settings); i++)
                        if (strcmp(settings[i].path, path) == 0)
                                s = &settings[i];
                if (s == NULL)
                        return error_set(err, 0, "unknown setting \"%s\"", path);
                if (value->type != YAML_SCALAR_NODE)
                        return error_set(err, 0, "%s: expected a value", path);
                if (apply(c, s, (char *)value->data.scalar.value, err) < 0)
                        return -1;
        }
        return 0;
}

int registry_server_config_load(struct registry_server_config *c, const char *path,
                                struct error **err)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (f == NULL)
                return error_set(err, errno, "open %s", path);
        yaml_parser_t parser;
        yaml_document_t doc;
        if (!yaml_parser_initialize(&parser))
                return error_set(err, 0, "%s: cannot start the yaml parser", path);
        yaml_parser_set_input_file(&parser, f);
        int rc = 0;
        if (!yaml_parser_load(&parser, &doc)) {
                rc = error_set(err, 0, "%s: line %zu: %s", path, parser.problem_mark.line + 1,
                               parser.problem ? parser.problem : "invalid yaml");
                yaml_parser_delete(&parser);
                return rc;
        }
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        if (root && walk(c, &doc, root, "", err) < 0)
                rc = error_wrap(err, "%s", path);
        yaml_document_delete(&doc);
        yaml_parser_delete(&parser);
        return rc;
}

/* Listing endpoints: tags (spec.md "Listing Tags"), the catalog, and referrers ("Listing
 * Referrers"). */
#include <inttypes.h>
#include <string.h>

#include "base/alloc.h"
#include "media_type.h"
#include "server_internal.h"

/* Without n, the catalog is paged by this much; n is clamped to PAGE_MAX (a Link follows). */
#define CATALOG_PAGE 1000
#define PAGE_MAX     10000

/* n and last of a listing; false after replying 400. */
static bool page_params(struct request *req, uint64_t default_n, uint64_t *n, const char **last)
{
        const char *text = request_query(req, "n");
        *n = default_n;
        *last = request_query(req, "last");
        if (text && !page_size_parse(text, PAGE_MAX, n)) {
                reply_error(req, MHD_HTTP_BAD_REQUEST, "UNSUPPORTED",
                            "n must be a non-negative integer, not \"%s\"", text);
                return false;
        }
        return true;
}

/* Replies BODY with a Link to the page after LAST_ITEM when MORE. */
static void reply_page(struct request *req, json_t *body, json_t *items, bool more, uint64_t n)
{
        _cleanup_free_ char *link = NULL;
        size_t count = json_array_size(items);
        if (more && count > 0)
                link = page_link_next(req->path, n,
                                      json_string_value(json_array_get(items, count - 1)));
        reply_json(req, MHD_HTTP_OK, "application/json", body);
        if (link)
                reply_header(req, "Link", link);
}

void tags_list(struct request *req)
{
        uint64_t n;
        const char *last;
        if (!page_params(req, UINT64_MAX, &n, &last))
                return;
        struct error *err = NULL;
        int exists = registry_store_repo_exists(req->server->store, req->route.name, &err);
        if (exists < 0)
                return reply_internal(req, &err);
        if (exists == 0)
                return reply_error(req, MHD_HTTP_NOT_FOUND, "NAME_UNKNOWN",
                                   "repository name not known to registry");
        bool more = false;
        json_t *tags =
            registry_store_tags(req->server->store, req->route.name, last, n, &more, &err);
        if (tags == NULL)
                return reply_internal(req, &err);
        json_t *body = json_object();
        json_object_set_new(body, "name", json_string(req->route.name));
        json_object_set(body, "tags", tags);
        reply_page(req, body, tags, more, n);
        json_decref(tags);
}

void catalog_list(struct request *req)
{
        uint64_t n;
        const char *last;
        if (!page_params(req, CATALOG_PAGE, &n, &last))
                return;
        struct error *err = NULL;
        bool more = false;
        json_t *repos = registry_store_catalog(req->server->store, last, n, &more, &err);
        if (repos == NULL)
                return reply_internal(req, &err);
        json_t *body = json_object();
        json_object_set(body, "repositories", repos);
        reply_page(req, body, repos, more, n);
        json_decref(repos);
}

void referrers_list(struct request *req)
{
        struct digest subject;
        struct error *err = NULL;
        if (digest_parse(req->route.reference, &subject, &err) < 0) {
                reply_error(req, MHD_HTTP_BAD_REQUEST, "DIGEST_INVALID", "%s", err->msg);
                error_free(&err);
                return;
        }
        const char *artifact_type = request_query(req, "artifactType");
        if (artifact_type && artifact_type[0] == '\0')
                artifact_type = NULL;
        /* An unknown repository has no referrers: 200 with an empty index, since a registry
         * with the referrers API must not answer 404 (clients would fall back to tags). */
        json_t *manifests = registry_store_referrers(req->server->store, req->route.name, &subject,
                                                     artifact_type, &err);
        if (manifests == NULL)
                return reply_internal(req, &err);
        json_t *index = json_object();
        json_object_set_new(index, "schemaVersion", json_integer(2));
        json_object_set_new(index, "mediaType", json_string(MEDIA_TYPE_OCI_INDEX));
        json_object_set_new(index, "manifests", manifests);
        reply_json(req, MHD_HTTP_OK, MEDIA_TYPE_OCI_INDEX, index);
        if (artifact_type)
                reply_header(req, "OCI-Filters-Applied", "artifactType");
}

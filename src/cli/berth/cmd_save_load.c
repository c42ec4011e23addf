/* berth save and berth load: podman's command line. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "cli_image.h"
#include "commands.h"
#include "image/image_archive.h"
#include "oci/image_reference.h"

static const char save_help[] =
    "usage: berth save [options] IMAGE...\n"
    "\n"
    "Write images to a tar archive (stdout when it is not a terminal).\n"
    "\n"
    "  -o, --output FILE            write to FILE (replaced atomically)\n"
    "      --format FORMAT          docker-archive (default) or oci-archive\n"
    "  -m, --multi-image-archive    every IMAGE is saved (docker-archive only)\n"
    "  -q, --quiet                  no progress output\n";

static const char load_help[] = "usage: berth load [options]\n"
                                "\n"
                                "Read images from a docker-archive or OCI layout tar.\n"
                                "\n"
                                "  -i, --input FILE   read FILE (default: stdin)\n"
                                "  -q, --quiet        no progress output\n";

/* The name to write for an image found by TEXT: the name TEXT stands for when the image has it,
 * else none (saving by ID writes no name, as docker does). Newly allocated or NULL. */
static char *saved_name(const char *text, const struct image_record *r)
{
        struct image_reference ref = {0};
        struct error *ignored = NULL;
        if (image_reference_parse(text, &ref, &ignored) < 0) {
                error_free(&ignored);
                return NULL;
        }
        char *full = ref.digest ? NULL : image_reference_format(&ref);
        image_reference_release(&ref);
        for (char **n = r->names; full && n && *n; n++)
                if (strcmp(*n, full) == 0)
                        return full;
        free(full);
        return NULL;
}

/* The images to save, merged by ID (two names of one image are one entry with two names). */
struct save_list {
        struct image_archive_image *images;
        char ***names;   /* per image, owned */
        size_t *n_names; /* how many names[i] holds (images[i].n_names may say fewer) */
        size_t n;
};

static void save_list_add(struct save_list *l, const struct digest *id, char *name)
{
        size_t i = 0;
        while (i < l->n && !digest_equal(&l->images[i].id, id))
                i++;
        if (i == l->n) {
                l->images = xrealloc(l->images, (l->n + 1) * sizeof(*l->images));
                l->names = xrealloc(l->names, (l->n + 1) * sizeof(*l->names));
                l->n_names = xrealloc(l->n_names, (l->n + 1) * sizeof(*l->n_names));
                l->n_names[i] = 0;
                l->images[i] = (struct image_archive_image){.id = *id};
                l->names[i] = NULL;
                l->n++;
        }
        if (!name)
                return;
        struct image_archive_image *img = &l->images[i];
        for (size_t k = 0; k < img->n_names; k++)
                if (strcmp(img->names[k], name) == 0) {
                        free(name);
                        return;
                }
        l->names[i] = xrealloc(l->names[i], (img->n_names + 1) * sizeof(char *));
        l->names[i][img->n_names++] = name;
        l->n_names[i] = img->n_names;
        img->names = (const char *const *)l->names[i];
}

static void save_list_release(struct save_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                for (size_t k = 0; k < l->n_names[i]; k++)
                        free(l->names[i][k]);
                free(l->names[i]);
        }
        free(l->names);
        free(l->n_names);
        free(l->images);
}

/* Saves into a temporary file beside OUTPUT, renamed over it when complete. */
static int save_to_file(struct image_store *store, enum image_archive_format format,
                        const struct save_list *l, const char *output, struct error **err)
{
        _cleanup_free_ char *copy = xstrdup(output);
        _cleanup_free_ char *tmp =
            xasprintf("%s/.%s.XXXXXX", dirname(copy),
                      strrchr(output, '/') ? strrchr(output, '/') + 1 : output);
        int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return error_set(err, errno, "creating a temporary file for %s", output);
        int ret = image_archive_save(store, format, l->images, l->n, fd, err);
        if (ret == 0 && fchmod(fd, 0644) < 0)
                ret = error_set(err, errno, "chmod %s", tmp);
        if (ret == 0 && fsync(fd) < 0)
                ret = error_set(err, errno, "writing %s", output);
        if (close(fd) < 0 && ret == 0)
                ret = error_set(err, errno, "writing %s", output);
        if (ret == 0 && rename(tmp, output) < 0)
                ret = error_set(err, errno, "renaming to %s", output);
        if (ret < 0)
                unlink(tmp);
        return ret;
}

int cmd_save(const struct berth_globals *g, int argc, char **argv)
{
        enum { OPT_FORMAT = 256, OPT_COMPRESS };
        static const struct option options[] = {
            {"output", required_argument, NULL, 'o'},
            {"format", required_argument, NULL, OPT_FORMAT},
            {"multi-image-archive", no_argument, NULL, 'm'},
            {"quiet", no_argument, NULL, 'q'},
            {"compress", no_argument, NULL, OPT_COMPRESS},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        struct error *err = NULL;
        const char *output = NULL;
        enum image_archive_format format = IMAGE_ARCHIVE_DOCKER;
        int opt;
        while ((opt = getopt_long(argc, argv, "o:mqh", options, NULL)) != -1) {
                switch (opt) {
                case 'o':
                        output = optarg;
                        break;
                case OPT_FORMAT:
                        if (image_archive_format_parse(optarg, &format, &err) < 0)
                                return cli_fail(&err);
                        break;
                case 'm':
                case 'q':
                case OPT_COMPRESS:
                        break;
                case 'h':
                        return cli_help(save_help);
                default:
                        return cli_bad_flag("save", argv);
                }
        }
        if (optind >= argc)
                return cli_usage_error("save", "need at least one image");
        if (!output && isatty(STDOUT_FILENO))
                return cli_usage_error("save",
                                       "refusing to save to a terminal. Use -o flag or redirect");

        struct image_store *store = NULL;
        struct save_list list = {0};
        int ret = BERTH_EXIT_FAILURE;
        /* Shared: garbage collection must not delete what is being read. */
        if (cli_open_store(g, &store, &err) < 0 || image_store_lock(store, false, &err) < 0)
                goto out;
        for (int i = optind; i < argc; i++) {
                struct image_record r = {0};
                if (cli_find_image(store, argv[i], &r, &err) < 0)
                        goto out;
                save_list_add(&list, &r.id, saved_name(argv[i], &r));
                image_record_release(&r);
        }
        /* podman (4.3) loads an OCI archive only when its index has one entry, and refuses to
         * save several images in one: the same here, one image under its first name. */
        if (format == IMAGE_ARCHIVE_OCI) {
                if (list.n > 1) {
                        error_set(&err, 0,
                                  "oci-archive holds one image: use --format "
                                  "docker-archive to save several");
                        goto out;
                }
                if (list.images[0].n_names > 1)
                        list.images[0].n_names = 1;
        }
        int saved =
            output ? save_to_file(store, format, &list, output, &err)
                   : image_archive_save(store, format, list.images, list.n, STDOUT_FILENO, &err);
        if (saved == 0)
                ret = 0;
out:
        if (ret != 0)
                cli_fail(&err);
        save_list_release(&list);
        if (store)
                image_store_free(store);
        return ret;
}

int cmd_load(const struct berth_globals *g, int argc, char **argv)
{
        static const struct option options[] = {
            {"input", required_argument, NULL, 'i'},
            {"quiet", no_argument, NULL, 'q'},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        struct error *err = NULL;
        const char *input = NULL;
        int opt;
        while ((opt = getopt_long(argc, argv, "i:qh", options, NULL)) != -1) {
                switch (opt) {
                case 'i':
                        input = optarg;
                        break;
                case 'q':
                        break;
                case 'h':
                        return cli_help(load_help);
                default:
                        return cli_bad_flag("load", argv);
                }
        }
        if (optind < argc)
                return cli_usage_error("load", "too many arguments");
        if (!input && isatty(STDIN_FILENO))
                return cli_usage_error("load", "cannot read from a terminal. Use -i flag or "
                                               "redirect");
        _cleanup_close_ int fd = -1;
        if (input && strcmp(input, "-") != 0) {
                fd = open(input, O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                        error_set(&err, errno, "open %s", input);
                        return cli_fail(&err);
                }
        }
        struct image_store *store = NULL;
        struct image_archive_loaded *loaded = NULL;
        size_t n = 0;
        int ret = BERTH_EXIT_FAILURE;
        if (cli_open_store(g, &store, &err) == 0 && image_store_lock(store, false, &err) == 0 &&
            image_archive_load(store, fd >= 0 ? fd : STDIN_FILENO, &loaded, &n, &err) == 0) {
                for (size_t i = 0; i < n; i++) {
                        if (!loaded[i].names[0])
                                printf("Loaded image: %s\n", loaded[i].id.text);
                        for (char **p = loaded[i].names; *p; p++)
                                printf("Loaded image: %s\n", *p);
                }
                ret = 0;
        }
        if (ret != 0)
                cli_fail(&err);
        image_archive_loaded_free(loaded, n);
        if (store)
                image_store_free(store);
        return ret;
}

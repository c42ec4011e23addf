/* berth login and logout: podman's command line, credentials in podman's auth.json. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "base/alloc.h"
#include "cli_image.h"
#include "commands.h"
#include "registry/auth_file.h"
#include "registry/client.h"

static const char login_help[] =
    "usage: berth login [options] REGISTRY\n"
    "\n"
    "Check credentials against a registry and store them for pull and push.\n"
    "\n"
    "  -u, --username USER      the user name (asked for on a terminal when missing)\n"
    "  -p, --password PASS      the password (visible to other users in ps: prefer\n"
    "                           --password-stdin)\n"
    "      --password-stdin     read the password from standard input\n"
    "      --authfile FILE      credentials file (default: podman's auth.json)\n"
    "      --tls-verify[=BOOL]  verify TLS certificates (default: from registries.conf, true)\n";

static const char logout_help[] =
    "usage: berth logout [options] REGISTRY\n"
    "\n"
    "Remove the stored credentials of a registry.\n"
    "\n"
    "  -a, --all                remove the credentials of every registry\n"
    "      --authfile FILE      credentials file (default: podman's "
    "auth.json)\n";

/* "https://host:port/path/" as users paste it from docker's docs: "host:port/path". */
static char *registry_key(const char *text)
{
        if (strncmp(text, "https://", 8) == 0)
                text += 8;
        else if (strncmp(text, "http://", 7) == 0)
                text += 7;
        else if (strncmp(text, "docker://", 9) == 0)
                text += 9;
        size_t n = strlen(text);
        while (n > 0 && text[n - 1] == '/')
                n--;
        return xstrndup(text, n);
}

/* Reads one line from the terminal after PROMPT, without echo when SECRET. Newly allocated,
 * without the newline; NULL at end of input. */
static char *read_tty_line(const char *prompt, bool secret, struct error **err)
{
        FILE *tty = fopen("/dev/tty", "r+e");
        if (!tty) {
                error_set(err, errno, "open /dev/tty");
                return NULL;
        }
        fputs(prompt, tty);
        fflush(tty);
        struct termios saved, quiet;
        bool restore = false;
        if (secret && tcgetattr(fileno(tty), &saved) == 0) {
                quiet = saved;
                quiet.c_lflag &= ~(tcflag_t)ECHO;
                restore = tcsetattr(fileno(tty), TCSAFLUSH, &quiet) == 0;
        }
        char *line = NULL;
        size_t cap = 0;
        ssize_t n = getline(&line, &cap, tty);
        if (restore) {
                tcsetattr(fileno(tty), TCSAFLUSH, &saved);
                fputc('\n', tty);
        }
        fclose(tty);
        if (n < 0) {
                free(line);
                error_set(err, 0, "no input");
                return NULL;
        }
        line[strcspn(line, "\r\n")] = '\0';
        return line;
}

/* All of standard input, without the trailing newline (docker's --password-stdin). */
static char *read_stdin_password(struct error **err)
{
        char *text = NULL;
        size_t len = 0, cap = 0;
        for (;;) {
                if (len + 4096 + 1 > cap) {
                        cap = (len + 4096 + 1) * 2;
                        text = xrealloc(text, cap);
                }
                ssize_t n = read(STDIN_FILENO, text + len, cap - len - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        free(text);
                        error_set(err, errno, "read the password from stdin");
                        return NULL;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
                if (len > 65536) {
                        free(text);
                        error_set(err, 0, "the password on stdin is too long");
                        return NULL;
                }
        }
        text[len] = '\0';
        while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
                text[--len] = '\0';
        return text;
}

static void free_secret(char **p)
{
        if (*p) {
                explicit_bzero(*p, strlen(*p));
                free(*p);
        }
}

int cmd_login(const struct berth_globals *g, int argc, char **argv)
{
        (void)g;
        enum { OPT_PASSWORD_STDIN = 256, OPT_AUTHFILE, OPT_TLS };
        static const struct option options[] = {
            {"username", required_argument, NULL, 'u'},
            {"password", required_argument, NULL, 'p'},
            {"password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN},
            {"authfile", required_argument, NULL, OPT_AUTHFILE},
            {"tls-verify", optional_argument, NULL, OPT_TLS},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        struct error *err = NULL;
        const char *username_arg = NULL, *password_arg = NULL, *auth_file = NULL;
        bool password_stdin = false;
        int tls_verify = -1;
        int opt;
        while ((opt = getopt_long(argc, argv, "u:p:h", options, NULL)) != -1) {
                switch (opt) {
                case 'u':
                        username_arg = optarg;
                        break;
                case 'p':
                        password_arg = optarg;
                        break;
                case OPT_PASSWORD_STDIN:
                        password_stdin = true;
                        break;
                case OPT_AUTHFILE:
                        auth_file = optarg;
                        break;
                case OPT_TLS: {
                        bool verify;
                        if (cli_parse_bool("--tls-verify", optarg, &verify, &err) < 0)
                                return cli_fail(&err);
                        tls_verify = verify;
                        break;
                }
                case 'h':
                        return cli_help(login_help);
                default:
                        return cli_bad_flag("login", argv);
                }
        }
        if (argc - optind != 1)
                return cli_usage_error("login", argc - optind < 1 ? "missing registry name"
                                                                  : "too many arguments");
        if (password_arg && password_stdin)
                return cli_usage_error("login", "--password and --password-stdin are exclusive");
        if (password_stdin && !username_arg)
                return cli_usage_error("login", "--password-stdin needs --username");
        _cleanup_free_ char *registry = registry_key(argv[optind]);
        if (!registry[0])
                return cli_usage_error("login", "missing registry name");

        bool interactive = isatty(STDIN_FILENO);
        __attribute__((cleanup(free_secret))) char *username = NULL;
        __attribute__((cleanup(free_secret))) char *password = NULL;
        if (username_arg) {
                username = xstrdup(username_arg);
        } else if (interactive) {
                username = read_tty_line("Username: ", false, &err);
                if (!username)
                        return cli_fail(&err);
        } else {
                return cli_usage_error("login", "a user name is required (-u)");
        }
        if (!username[0])
                return cli_usage_error("login", "the user name is empty");
        if (password_arg) {
                password = xstrdup(password_arg);
        } else if (password_stdin) {
                password = read_stdin_password(&err);
                if (!password)
                        return cli_fail(&err);
        } else if (interactive) {
                password = read_tty_line("Password: ", true, &err);
                if (!password)
                        return cli_fail(&err);
        } else {
                return cli_usage_error("login", "standard input is not a terminal: give the "
                                                "password with --password-stdin or -p");
        }
        if (!password[0])
                return cli_usage_error("login", "the password is empty");

        /* The registry part is what the client connects to; a path names a repository
         * prefix that the credentials are stored for (containers-auth.json(5)). */
        size_t host_len = strcspn(registry, "/");
        _cleanup_free_ char *domain = xstrndup(registry, host_len);
        const char *path = registry[host_len] ? registry + host_len + 1 : "";
        struct registry_options ro = {
            .tls_verify = tls_verify,
            .auth_file = auth_file,
            .username = username,
            .password = password,
        };
        struct registry_client *client = NULL;
        if (registry_client_new(domain, path, &ro, &client, &err) < 0 ||
            registry_ping(client, &err) < 0) {
                registry_client_free(client);
                error_wrap(&err, "logging into \"%s\"", registry);
                return cli_fail(&err);
        }
        registry_client_free(client);
        if (auth_file_store(auth_file, registry, username, password, &err) < 0) {
                error_wrap(&err, "store the credentials of %s", registry);
                return cli_fail(&err);
        }
        printf("Login Succeeded!\n");
        return 0;
}

int cmd_logout(const struct berth_globals *g, int argc, char **argv)
{
        (void)g;
        enum { OPT_AUTHFILE = 256 };
        static const struct option options[] = {
            {"all", no_argument, NULL, 'a'},
            {"authfile", required_argument, NULL, OPT_AUTHFILE},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        struct error *err = NULL;
        const char *auth_file = NULL;
        bool all = false;
        int opt;
        while ((opt = getopt_long(argc, argv, "ah", options, NULL)) != -1) {
                switch (opt) {
                case 'a':
                        all = true;
                        break;
                case OPT_AUTHFILE:
                        auth_file = optarg;
                        break;
                case 'h':
                        return cli_help(logout_help);
                default:
                        return cli_bad_flag("logout", argv);
                }
        }
        if (all) {
                if (argc - optind > 0)
                        return cli_usage_error("logout", "--all takes no registry name");
                if (auth_file_remove_all(auth_file, &err) < 0)
                        return cli_fail(&err);
                printf("Removed login credentials for all registries\n");
                return 0;
        }
        if (argc - optind != 1)
                return cli_usage_error("logout", argc - optind < 1 ? "missing registry name"
                                                                   : "too many arguments");
        _cleanup_free_ char *registry = registry_key(argv[optind]);
        int removed = auth_file_remove(auth_file, registry, &err);
        if (removed < 0)
                return cli_fail(&err);
        if (removed == 0) {
                error_set(&err, 0, "not logged into %s", registry);
                return cli_fail(&err);
        }
        printf("Removed login credentials for %s\n", registry);
        return 0;
}

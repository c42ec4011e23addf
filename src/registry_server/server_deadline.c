/*
 * Deadlines for a request's head (see server_deadline.h). Connections are in a list the reaper
 * walks once a second; a worker moves its connection's deadline with one atomic store, so a
 * request takes no lock for it. The list lock is taken when a connection opens and closes, and
 * it is held while the reaper shuts a socket down: libmicrohttpd reports a connection closed
 * before it closes its socket, so the reaper never shuts down a descriptor already reused.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "base/alloc.h"
#include "server_deadline.h"

/* How often the reaper looks: a slow client is closed at most this late. */
#define REAP_INTERVAL_MS 1000

struct conn_deadline {
        struct conn_deadline *prev, *next;
        int fd;
        atomic_int_fast64_t deadline_ms; /* CLOCK_MONOTONIC; 0: none */
};

struct head_deadlines {
        unsigned idle_seconds, header_seconds;
        pthread_mutex_t lock; /* the list and STOP */
        pthread_cond_t wake;
        bool stop;
        struct conn_deadline list; /* sentinel of a circular list */
        pthread_t thread;
        atomic_ullong closed;
};

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* NOW + SECONDS in ms, or 0 (none) when SECONDS is 0. */
static int64_t deadline_after(unsigned seconds)
{
        return seconds ? now_ms() + (int64_t)seconds * 1000 : 0;
}

static struct conn_deadline *connection_deadline(struct MHD_Connection *connection)
{
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        return info ? info->socket_context : NULL;
}

static void reap(struct head_deadlines *d)
{
        int64_t now = now_ms();
        for (struct conn_deadline *c = d->list.next; c != &d->list; c = c->next) {
                int_fast64_t due = atomic_load(&c->deadline_ms);
                if (due == 0 || now < due)
                        continue;
                /* A worker that just moved the deadline (its head came in) wins. */
                if (!atomic_compare_exchange_strong(&c->deadline_ms, &due, 0))
                        continue;
                /* The worker's poll sees the end of the stream and closes the connection. */
                shutdown(c->fd, SHUT_RDWR);
                atomic_fetch_add(&d->closed, 1);
        }
}

static void *reaper(void *arg)
{
        struct head_deadlines *d = arg;
        pthread_mutex_lock(&d->lock);
        while (!d->stop) {
                struct timespec until;
                clock_gettime(CLOCK_MONOTONIC, &until);
                until.tv_nsec += (long)REAP_INTERVAL_MS * 1000000L;
                until.tv_sec += until.tv_nsec / 1000000000L;
                until.tv_nsec %= 1000000000L;
                int rc = pthread_cond_timedwait(&d->wake, &d->lock, &until);
                if (rc == ETIMEDOUT && !d->stop)
                        reap(d);
        }
        pthread_mutex_unlock(&d->lock);
        return NULL;
}

int head_deadlines_start(unsigned idle_seconds, unsigned header_seconds,
                         struct head_deadlines **out, struct error **err)
{
        *out = NULL;
        if (idle_seconds == 0 && header_seconds == 0)
                return 0;
        struct head_deadlines *d = xcalloc(1, sizeof(*d));
        d->idle_seconds = idle_seconds;
        d->header_seconds = header_seconds;
        d->list.next = d->list.prev = &d->list;
        pthread_mutex_init(&d->lock, NULL);
        pthread_condattr_t attr;
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&d->wake, &attr);
        pthread_condattr_destroy(&attr);
        int rc = pthread_create(&d->thread, NULL, reaper, d);
        if (rc != 0) {
                pthread_cond_destroy(&d->wake);
                pthread_mutex_destroy(&d->lock);
                free(d);
                return error_set(err, rc, "start the slow-client reaper");
        }
        *out = d;
        return 0;
}

void head_deadlines_stop(struct head_deadlines *d)
{
        if (d == NULL)
                return;
        pthread_mutex_lock(&d->lock);
        d->stop = true;
        pthread_cond_signal(&d->wake);
        pthread_mutex_unlock(&d->lock);
        pthread_join(d->thread, NULL);
        /* Nothing is left after MHD_stop_daemon; free what would be, all the same. */
        while (d->list.next != &d->list) {
                struct conn_deadline *c = d->list.next;
                d->list.next = c->next;
                free(c);
        }
        pthread_cond_destroy(&d->wake);
        pthread_mutex_destroy(&d->lock);
        free(d);
}

unsigned long long head_deadlines_closed(const struct head_deadlines *d)
{
        return d ? atomic_load(&d->closed) : 0;
}

void head_deadlines_on_connection(void *cls, struct MHD_Connection *connection,
                                  void **socket_context, enum MHD_ConnectionNotificationCode code)
{
        struct head_deadlines *d = cls;
        if (code == MHD_CONNECTION_NOTIFY_STARTED) {
                const union MHD_ConnectionInfo *info =
                    MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
                if (info == NULL)
                        return;
                struct conn_deadline *c = xcalloc(1, sizeof(*c));
                c->fd = info->connect_fd;
                atomic_init(&c->deadline_ms, deadline_after(d->idle_seconds));
                pthread_mutex_lock(&d->lock);
                c->next = d->list.next;
                c->prev = &d->list;
                d->list.next->prev = c;
                d->list.next = c;
                pthread_mutex_unlock(&d->lock);
                *socket_context = c;
                return;
        }
        struct conn_deadline *c = *socket_context;
        if (c == NULL)
                return;
        pthread_mutex_lock(&d->lock);
        c->prev->next = c->next;
        c->next->prev = c->prev;
        pthread_mutex_unlock(&d->lock);
        *socket_context = NULL;
        free(c);
}

void *head_deadlines_on_request_line(void *cls, const char *uri, struct MHD_Connection *connection)
{
        (void)uri;
        struct head_deadlines *d = cls;
        struct conn_deadline *c = connection_deadline(connection);
        if (c)
                atomic_store(&c->deadline_ms, deadline_after(d->header_seconds));
        return NULL;
}

void head_deadlines_head_done(struct head_deadlines *d, struct MHD_Connection *connection)
{
        if (d == NULL)
                return;
        struct conn_deadline *c = connection_deadline(connection);
        if (c)
                atomic_store(&c->deadline_ms, 0);
}

void head_deadlines_request_done(struct head_deadlines *d, struct MHD_Connection *connection)
{
        if (d == NULL)
                return;
        struct conn_deadline *c = connection_deadline(connection);
        if (c)
                atomic_store(&c->deadline_ms, deadline_after(d->idle_seconds));
}

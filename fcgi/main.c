/*
 * main.c: sluice-api's start, accept loop and stop. At start it applies
 * the migrations (fatal on failure), opens one SQLite connection per
 * thread (so a slow request never stalls the others), binds the FastCGI
 * socket <data>/run/api.sock (mode 0660) and writes run/sluice-api.pid.
 * SLUICE_API_THREADS threads (default 8) then each accept and serve
 * requests in turn; a request's memory is released before the next
 * accept. Password checks run on a small pool of their own (hashpool.c),
 * started here with the threads. Body reads and reply writes time out
 * after API_IO_TIMEOUT_S.
 * SIGTERM or SIGINT, received by the main thread with sigwait, shuts the
 * listening socket down: threads finish the request in hand and exit, and
 * the program exits 0. The struct ctx built here is the only shared
 * state.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "api.h"
#include "auth.h"
#include "authcache.h"
#include "db.h"
#include "hashpool.h"
#include "htpasswd.h"
#include "log.h"
#include "migrate.h"
#include "config.h"
#include "paths.h"
#include "privs.h"
#include "reply.h"
#include "request.h"
#include "router.h"
#include "throttle.h"
#include "xalloc.h"

#define THREADS_DEFAULT 8
#define THREADS_MAX 64
#define AUTH_CACHE_S_DEFAULT 120

struct api_thread {
	pthread_t tid;
	struct ctx *ctx;
	struct db *db;
};

extern const char openapi_json[];
extern const char openapi_json_end[];

static long
env_long(const char *name, long def, long min, long max)
{
	char why[256];
	int64_t n;

	if (config_int(name, def, min, max, &n, why, sizeof(why)) == -1)
		fatalx("%s", why);
	return (long)n;
}

/* Serves one accepted request on db. */
static void
serve(struct ctx *ctx, struct db *db, FCGX_Request *fr)
{
	struct req r;
	const char *auth;
	enum sl_status s;

	req_init(&r, ctx, db, fr);
	atomic_fetch_add(&ctx->requests, 1);
	auth = req_param(&r, "SLUICE_AUTH");
	if (auth != NULL && strcmp(auth, "1") == 0)
		s = auth_verify(&r);
	else
		s = router_dispatch(&r);
	/* Handlers write through db_write, which never leaves a transaction
	 * open; should one be, roll it back rather than wedge this thread. */
	if (db_in_transaction(db)) {
		log_warnx("serve: transaction left open; rolled back");
		db_exec(db, "ROLLBACK");
	}
	reply_send(&r, s);
	req_free(&r);
}

static void *
thread_main(void *arg)
{
	struct api_thread *t = arg;
	struct ctx *ctx = t->ctx;
	struct timeval tv = {.tv_sec = API_IO_TIMEOUT_S};
	FCGX_Request fr;
	int rc;

	if (FCGX_InitRequest(&fr, ctx->listen_fd, FCGI_FAIL_ACCEPT_ON_INTR)
	    != 0) {
		log_warnx("thread_main: FCGX_InitRequest failed");
		return NULL;
	}
	/*
	 * No lock around accept: Linux lets threads accept on one socket,
	 * and FCGX_Accept_r also reads the params, so a lock would let one
	 * slow client stall every thread. shutdown() of the listening
	 * socket wakes every thread blocked here.
	 */
	while (!atomic_load(&ctx->stopping)) {
		rc = FCGX_Accept_r(&fr);
		if (rc < 0) {
			if (atomic_load(&ctx->stopping))
				break;
			log_warnx("thread_main: accept failed (%d)", rc);
			usleep(100 * 1000);
			continue;
		}
		/*
		 * A client that stops sending the body or reading the reply
		 * holds this thread for at most API_IO_TIMEOUT_S. (The params
		 * are read inside FCGX_Accept_r, before we can set this; nginx,
		 * the only client the 0660 socket admits, sends them at once.)
		 */
		setsockopt(fr.ipcFd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fr.ipcFd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		serve(ctx, t->db, &fr);
		FCGX_Finish_r(&fr);
	}
	FCGX_Free(&fr, 0);
	return NULL;
}

/*
 * Binds the FastCGI socket at path. A stale socket file is removed first;
 * a live one (another sluice-api answering) is fatal.
 */
static int
listen_socket(const char *path)
{
	struct sockaddr_un sa;
	struct stat sb;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		fatalx("listen_socket: %s: path too long", path);
	strcpy(sa.sun_path, path);
	if (lstat(path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode))
			fatalx("listen_socket: %s exists and is not a socket",
			    path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa,
		    sizeof(sa)) == 0)
			fatalx("listen_socket: %s: another sluice-api is "
			    "listening", path);
		if (fd >= 0)
			close(fd);
		if (unlink(path) == -1)
			fatal("listen_socket: unlink %s", path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		fatal("listen_socket: socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1)
		fatal("listen_socket: bind %s", path);
	if (chmod(path, 0660) == -1)
		fatal("listen_socket: chmod %s", path);
	if (listen(fd, 256) == -1)
		fatal("listen_socket: listen %s", path);
	return fd;
}

static void
write_pid(const char *path)
{
	FILE *f = fopen(path, "we");

	if (f == NULL || fprintf(f, "%d\n", (int)getpid()) < 0 ||
	    fclose(f) != 0)
		fatal("write_pid: %s", path);
}

static void
migrate(const char *db_path)
{
	char why[512], *dir = paths_migrations_dir();
	struct db *db = db_open(db_path);

	if (db == NULL)
		fatalx("migrate: cannot open %s", db_path);
	if (migrate_apply(db, dir, why, sizeof(why)) != SL_OK)
		fatalx("migrate: %s", why);
	db_close(db);
	free(dir);
}

/*
 * Reads the configuration (fatal on bad values) into ctx: paths, thread
 * counts, the embedded document, the credential cache and the failed-login
 * throttle. The hashing pool starts later, in start.
 */
static void
ctx_init(struct ctx *ctx)
{
	int ttl;

	memset(ctx, 0, sizeof(*ctx));
	ctx->nthreads = (int)env_long("SLUICE_API_THREADS", THREADS_DEFAULT, 1,
	    THREADS_MAX);
	ttl = (int)env_long("SLUICE_AUTH_CACHE_S", AUTH_CACHE_S_DEFAULT, 0,
	    86400);
	ctx->db_path = paths_data("sluice.db");
	ctx->htpasswd_path = paths_data("htpasswd");
	ctx->logs_dir = paths_data("logs");
	ctx->openapi = openapi_json;
	ctx->openapi_len = (size_t)(openapi_json_end - openapi_json);
	ctx->auth = authcache_new(ttl);
	ctx->throttle = throttle_new((int)env_long("SLUICE_AUTH_FAIL_MAX",
	    THROTTLE_PAIR_MAX_DEFAULT, 0, 1000000),
	    (int)env_long("SLUICE_AUTH_FAIL_ADDR_MAX",
	    THROTTLE_ADDR_MAX_DEFAULT, 0, 1000000), THROTTLE_WINDOW_S);
	ctx->hash_threads = (int)env_long("SLUICE_AUTH_HASH_THREADS",
	    HASHPOOL_THREADS_DEFAULT, 1, THREADS_MAX);
	ctx->dummy_hash = htpasswd_hash("sluice timing equaliser");
}

/* Releases what ctx_init allocated. */
static void
ctx_fini(struct ctx *ctx)
{
	hashpool_free(ctx->hashpool);
	throttle_free(ctx->throttle);
	authcache_free(ctx->auth);
	free(ctx->dummy_hash);
	free(ctx->db_path);
	free(ctx->htpasswd_path);
	free(ctx->logs_dir);
}

/*
 * Starts the password-hashing pool. At most half the request threads (at
 * least one) may wait on it, so a storm of unremembered logins always
 * leaves the other half to remembered logins and everything else; the
 * pool has SLUICE_AUTH_HASH_THREADS threads (default 2), no more than
 * may wait.
 */
static void
start_hashpool(struct ctx *ctx)
{
	int waiting = ctx->nthreads / 2 > 1 ? ctx->nthreads / 2 : 1;
	int threads = ctx->hash_threads < waiting ? ctx->hash_threads :
	    waiting;

	ctx->hashpool = hashpool_new(threads, waiting);
	log_info("sluice-api: %d password-hashing threads; at most %d "
	    "request threads wait on them", threads, waiting);
}

/*
 * Makes run/, binds the socket, writes the pid file and starts the
 * threads, each with its own connection (opened here; fatal on failure).
 * Returns the threads for stop.
 */
static struct api_thread *
start(struct ctx *ctx, const char *sock_path, const char *pid_path)
{
	struct api_thread *threads;
	char *run_dir;

	threads = xcalloc((size_t)ctx->nthreads, sizeof(*threads));
	for (int i = 0; i < ctx->nthreads; i++) {
		threads[i].ctx = ctx;
		if ((threads[i].db = db_open(ctx->db_path)) == NULL)
			fatalx("main: cannot open %s", ctx->db_path);
	}
	if (FCGX_Init() != 0)
		fatalx("main: FCGX_Init failed");
	/* The launcher makes run/ (setgid, for nginx's group); alone, we do. */
	run_dir = paths_data("run");
	if (mkdir(run_dir, 0750) == -1 && errno != EEXIST)
		fatal("main: mkdir %s", run_dir);
	free(run_dir);
	ctx->listen_fd = listen_socket(sock_path);
	write_pid(pid_path);
	start_hashpool(ctx);
	for (int i = 0; i < ctx->nthreads; i++)
		if (pthread_create(&threads[i].tid, NULL, thread_main,
		    &threads[i]) != 0)
			fatalx("main: cannot start thread %d", i);
	log_info("sluice-api %s: listening on %s with %d threads",
	    API_VERSION, sock_path, ctx->nthreads);
	return threads;
}

/*
 * Shuts the listening socket down, waits for every thread to finish its
 * request, and removes the socket and pid files.
 */
static void
stop(struct ctx *ctx, struct api_thread *threads, const char *sock_path,
    const char *pid_path)
{
	atomic_store(&ctx->stopping, 1);
	FCGX_ShutdownPending();
	shutdown(ctx->listen_fd, SHUT_RDWR);
	for (int i = 0; i < ctx->nthreads; i++) {
		pthread_join(threads[i].tid, NULL);
		db_close(threads[i].db);
	}
	close(ctx->listen_fd);
	unlink(sock_path);
	unlink(pid_path);
	free(threads);
}

/* Started as root, becomes the data directory's owner (lib/privs.c). */
static void
become_service_user(void)
{
	char why[512];

	if (privs_become_owner(paths_data_dir(), 0, why, sizeof(why)) == -1)
		fatalx("main: %s", why);
}

int
main(int argc, char **argv)
{
	struct ctx ctx;
	struct api_thread *threads;
	char *sock_path, *pid_path;
	sigset_t sigs;
	int sig;

	(void)argv;
	if (argc > 1)
		fatalx("usage: sluice-api (configured by SLUICE_DATA, "
		    "SLUICE_API_THREADS, SLUICE_AUTH_CACHE_S, "
		    "SLUICE_AUTH_FAIL_MAX, SLUICE_AUTH_FAIL_ADDR_MAX, "
		    "SLUICE_AUTH_HASH_THREADS)");
	/* Signals go to the main thread's sigwait only; blocked first, so
	 * a stop asked while it is still starting waits for it, not kills
	 * it. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	become_service_user();
	ctx_init(&ctx);
	sock_path = paths_data("run/api.sock");
	pid_path = paths_data("run/sluice-api.pid");
	migrate(ctx.db_path);

	threads = start(&ctx, sock_path, pid_path);
	while (sigwait(&sigs, &sig) != 0 || (sig != SIGTERM && sig != SIGINT))
		;
	log_info("sluice-api: signal %d; finishing requests", sig);
	stop(&ctx, threads, sock_path, pid_path);
	ctx_fini(&ctx);
	free(sock_path);
	free(pid_path);
	log_info("sluice-api: stopped");
	return 0;
}

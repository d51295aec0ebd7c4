/*
 * main.c: sluice-scheduler's start and stop. Reads the configuration from
 * the environment (SLUICE_DATA, SLUICE_WORKER_NAME, SLUICE_POOL,
 * SLUICE_CONCURRENCY, SLUICE_KILL_GRACE_S, SLUICE_WORKER_STALE_S,
 * SLUICE_LOG_MAX_BYTES, SLUICE_RETENTION_DAYS, SLUICE_CODE_MIN_AGE_S,
 * SLUICE_WEBHOOK_MAX_AGE_S),
 * opens the database, registers the worker, writes
 * run/sluice-scheduler.pid, binds the wake socket, and hands over to
 * loop_run. fatal() is used only here, before the loop starts. The
 * database connection serves both the worker interface
 * (lib/worker_db.c) and the server duties done directly in scheduler/
 * (cron_tick.c, retention.c, recover.c, notify.c, deliver.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "log.h"
#include "migrate.h"
#include <linux/capability.h>

#include "config.h"
#include "paths.h"
#include "privs.h"
#include "reposync.h"
#include "sched.h"
#include "timefmt.h"
#include "wake.h"
#include "xalloc.h"

static int64_t
env_int(const char *name, int64_t def, int64_t min, int64_t max)
{
	char why[256];
	int64_t n;

	if (config_int(name, def, min, max, &n, why, sizeof(why)) == -1)
		fatalx("main: %s", why);
	return n;
}

static void
config_load(struct sched_config *c)
{
	const char *v;
	char *abs;

	abs = realpath(paths_data_dir(), NULL);
	if (abs == NULL)
		fatal("main: data directory %s", paths_data_dir());
	c->data_dir = abs;
	if (gethostname(c->host, sizeof(c->host)) == -1)
		snprintf(c->host, sizeof(c->host), "localhost");
	c->host[sizeof(c->host) - 1] = '\0';
	v = getenv("SLUICE_WORKER_NAME");
	c->worker = xstrdup(v && *v ? v : c->host);
	v = getenv("SLUICE_POOL");
	c->pool = xstrdup(v && *v ? v : "default");
	v = getenv("SLUICE_CONCURRENCY");
	c->concurrency_set = v != NULL && *v != '\0';
	c->concurrency = (int)env_int("SLUICE_CONCURRENCY", 8, 1, 4096);
	c->kill_grace_ms = env_int("SLUICE_KILL_GRACE_S", 10, 0, 3600) * 1000;
	c->stale_ms = env_int("SLUICE_WORKER_STALE_S", 30, 3, 86400) * 1000;
	c->log_max_bytes = env_int("SLUICE_LOG_MAX_BYTES", 100 << 20, 4096,
	    INT64_MAX / 2);
	c->retention_days = (int)env_int("SLUICE_RETENTION_DAYS", 30, 0,
	    100000);
	c->code_min_age_s = env_int("SLUICE_CODE_MIN_AGE_S", 3600, 0,
	    365 * 86400);
	c->webhook_max_age_ms = env_int("SLUICE_WEBHOOK_MAX_AGE_S", 86400, 1,
	    365 * 86400) * 1000;
	if (strlen(c->worker) > 64 || strchr(c->worker, '/') != NULL)
		fatalx("main: SLUICE_WORKER_NAME must be at most 64 characters"
		    " without '/'");
}

static void
write_pidfile(struct sched *s)
{
	char *path = xasprintf("%s/run/sluice-scheduler.pid", s->cfg.data_dir);
	char *tmp = xasprintf("%s.%d", path, (int)getpid());
	FILE *f;

	f = fopen(tmp, "we");
	if (f == NULL || fprintf(f, "%d\n", (int)getpid()) < 0 ||
	    fclose(f) != 0 || rename(tmp, path) == -1)
		fatal("main: %s", path);
	free(tmp);
	free(path);
}

/* Removes run/sluice-scheduler.pid if it still names this process. */
static void
remove_pidfile(struct sched *s)
{
	char *path = xasprintf("%s/run/sluice-scheduler.pid", s->cfg.data_dir);
	FILE *f = fopen(path, "re");
	int pid = 0;

	if (f != NULL) {
		if (fscanf(f, "%d", &pid) == 1 && pid == (int)getpid())
			unlink(path);
		fclose(f);
	}
	free(path);
}

static int
setup_signals(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		fatal("main: sigprocmask");
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd == -1)
		fatal("main: signalfd");
	/* A task that closed its end must not kill us when we write. */
	signal(SIGPIPE, SIG_IGN);
	return fd;
}

static void
new_incarnation(char out[33])
{
	unsigned char rnd[16];
	static const char hex[] = "0123456789abcdef";

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		fatal("main: getrandom");
	for (int i = 0; i < 16; i++) {
		out[2 * i] = hex[rnd[i] >> 4];
		out[2 * i + 1] = hex[rnd[i] & 15];
	}
	out[32] = '\0';
}

/*
 * Starts the scheduler (see the top of this file). Exits 0 after a clean
 * stop (SIGTERM or SIGINT), 1 when it cannot start, 3 when another
 * process took over its worker name (heartbeat.c).
 */
/*
 * What the scheduler keeps when started as root: start processes as the
 * task uids (SETUID, SETGID), give them their scratch folders (CHOWN),
 * read their results (DAC_READ_SEARCH), tell their processes by their
 * environment (SYS_PTRACE) and stop them (KILL).
 */
#define SCHED_CAPS (PRIVS_CAP(CAP_SETUID) | PRIVS_CAP(CAP_SETGID) | \
    PRIVS_CAP(CAP_CHOWN) | PRIVS_CAP(CAP_DAC_READ_SEARCH) | \
    PRIVS_CAP(CAP_SYS_PTRACE) | PRIVS_CAP(CAP_KILL))

/* The sync process repo_tick.c starts: reposync.c, then exit. */
static int
sync_main(const char *repo, const char *incarnation)
{
	char *data = realpath(paths_data_dir(), NULL);
	int rc = data ? reposync_run(data, repo, incarnation) : 1;

	free(data);
	return rc;
}

/* Opens the database, applies the migrations, makes run/ and logs/. */
static void
open_store(struct sched *s)
{
	char *dbpath, *migdir, why[512];

	dbpath = xasprintf("%s/sluice.db", s->cfg.data_dir);
	s->db = db_open(dbpath);
	if (s->db == NULL)
		fatalx("main: cannot open %s", dbpath);
	free(dbpath);
	migdir = paths_migrations_dir();
	if (migrate_apply(s->db, migdir, why, sizeof(why)) != SL_OK)
		fatalx("main: migrations: %s", why);
	free(migdir);
	for (int i = 0; i < 2; i++) {
		char *d = xasprintf("%s/%s", s->cfg.data_dir,
		    i ? "logs" : "run");

		if (mkdir(d, 0750) == -1 && errno != EEXIST)
			fatal("main: mkdir %s", d);
		free(d);
	}
}

int
main(int argc, char **argv)
{
	struct sched s;
	char why[512];
	int rc;

	if (argc == 4 && strcmp(argv[1], "--sync-repo") == 0)
		return sync_main(argv[2], argv[3]);

	/* Pipes must never land on 0, 1 or 2: keep those open. */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) == -1 &&
		    open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) == -1)
			return 1;
	memset(&s, 0, sizeof(s));
	s.wake_fd = -1;
	/* First: a SIGTERM while starting is then a clean stop, read from
	 * the signalfd by the loop, not a death by the default action. */
	s.sig_fd = setup_signals();
	config_load(&s.cfg);
	FAULT_LOAD(&s.fault);
	if (privs_become_owner(s.cfg.data_dir, SCHED_CAPS, why,
	    sizeof(why)) == -1)
		fatalx("main: %s", why);
	if (taskuser_init(&s.tu, why, sizeof(why)) == -1)
		fatalx("main: %s", why);
	new_incarnation(s.incarnation);
	s.limit = s.cfg.concurrency;

	open_store(&s);
	{
		struct worker_ident id = { .name = s.cfg.worker,
		    .pool = s.cfg.pool, .host = s.cfg.host,
		    .incarnation = s.incarnation, .pid = (int)getpid(),
		    .concurrency = s.cfg.concurrency,
		    .concurrency_set = s.cfg.concurrency_set };

		s.w = worker_db_open(s.db, &id);
	}
	if (heartbeat_register(&s) == -1)
		fatalx("main: cannot register worker %s", s.cfg.worker);
	write_pidfile(&s);
	s.wake_fd = wake_listen(s.cfg.worker, &s.wake_path);
	if (s.wake_fd == -1)
		log_warnx("main: no wake socket; polling every second");
	deliver_init(&s);
	log_info("main: worker %s (pool %s, incarnation %s, limit %d) "
	    "started on %s, data %s", s.cfg.worker, s.cfg.pool,
	    s.incarnation, s.limit, s.cfg.host, s.cfg.data_dir);

	rc = loop_run(&s);
	deliver_fini(&s);

	if (s.wake_path != NULL)
		unlink(s.wake_path);
	remove_pidfile(&s);
	free(s.wake_path);
	if (s.wake_fd != -1)
		close(s.wake_fd);
	s.w->ops->close(s.w);
	db_close(s.db);
	taskuser_fini(&s.tu);
	log_info("main: worker %s stopped", s.cfg.worker);
	free(s.cfg.data_dir);
	free(s.cfg.worker);
	free(s.cfg.pool);
	return rc;
}

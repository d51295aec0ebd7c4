/*
 * cmd_local.c: `sluicectl run --local FLOW_FILE [-p KEY=VALUE]...` runs
 * a flow file on this machine, with no server: the real sluice-scheduler
 * (the one beside sluicectl) runs it against a temporary data directory,
 * so the argv, environment, retries, timeouts and upstream results are
 * the server's. Steps: the file is validated and its workdirs resolved
 * like `apply` does (flowfile.c), the -p parameters bound by the
 * validator; a mkdtemp folder gets a migrated database holding the flow
 * (paused, without its notify: a try sends no webhook and starts no
 * scheduled run) and one PENDING run (local_store.c); the scheduler
 * starts there (SLUICE_DATA, its pool the flow's, worker "local"), in a
 * process group of its own and told to stop should sluicectl die; every
 * attempt's log (logs/<run>/<task>.<attempt>.log) is printed as it grows,
 * each line as "task | line", and each attempt's end as a "task | --"
 * line; once the run ends the scheduler gets SIGTERM, and the folder is
 * removed when it has gone. Ctrl-C (SIGINT, SIGTERM, SIGHUP) stops the
 * scheduler, which gives the tasks SLUICE_KILL_GRACE_S to end (a second
 * one ends them at once). Exits 0 only when the run COMPLETED.
 *
 * Tasks run as the user running sluicectl, as they would by hand. Run as
 * root, the scheduler is started without CAP_SETUID and CAP_SETGID
 * (lib/privs.c privs_forgo), so it runs them as root too instead of
 * needing the server's task user.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>

#include "cli.h"
#include "config.h"
#include "db.h"
#include "flowdef.h"
#include "flowfile.h"
#include "json.h"
#include "local_store.h"
#include "migrate.h"
#include "opts.h"
#include "params.h"
#include "paths.h"
#include "privs.h"
#include "timefmt.h"
#include "xalloc.h"

/* How often the run and its logs are looked at. */
#define LOCAL_POLL_MS 200
/* After the grace period, how long a stopping scheduler may take. */
#define LOCAL_STOP_SLACK_S 30

static const char usage[] =
    "usage: sluicectl run --local FLOW_FILE [-p KEY=VALUE]... "
    "[-p KEY:=JSON]...\n"
    "Runs the flow in FLOW_FILE on this machine, now, with the real\n"
    "scheduler and a throw-away data directory; no server is needed or\n"
    "changed. Relative workdirs start at the root of the git repository\n"
    "holding FLOW_FILE (else its folder). Prints each task's output as\n"
    "\"task | line\" and exits 0 only if the run COMPLETED. Sends no\n"
    "notification; Ctrl-C stops the run.\n";

/* One attempt's log being followed. */
struct tail {
	char *task;
	int attempt;
	off_t off;		/* bytes printed so far */
	int ended;		/* its end line was printed */
};

/* A local run: everything cmd_local holds. */
struct local {
	char *dir;		/* the temporary data directory, or NULL */
	struct db *db;
	pid_t sched;		/* the scheduler, or -1 */
	int sched_status;	/* its wait status, once it exited */
	char id[IDS_LEN];	/* the run */
	struct tail *tails;
	size_t ntails;
	sigset_t sigs;		/* the stop signals, blocked and awaited */
	sigset_t oldmask;
};

/* The temporary data directory's files and folders go, one by one. */
static int
remove_entry(const char *path, const struct stat *sb, int type,
    struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if ((type == FTW_DP ? rmdir(path) : unlink(path)) == -1)
		cli_err("cannot remove %s: %s", path, strerror(errno));
	return 0;
}

/* Makes l->dir, a new private folder. Returns SL_OK or SL_IO (printed). */
static enum sl_status
make_dir(struct local *l)
{
	const char *tmp = getenv("TMPDIR");

	l->dir = xasprintf("%s/sluice-local.XXXXXX",
	    tmp && *tmp == '/' ? tmp : "/tmp");
	if (mkdtemp(l->dir) == NULL) {
		cli_err("cannot make a folder %s: %s", l->dir,
		    strerror(errno));
		free(l->dir);
		l->dir = NULL;
		return SL_IO;
	}
	return SL_OK;
}

/*
 * Reads the flow file and binds the -p arguments: *def gets the
 * normalised definition, workdirs resolved and notify removed, *params
 * the bound parameters (the caller puts both). Returns SL_OK or the
 * failure (printed).
 */
static enum sl_status
load_flow(const char *file, const struct cli_list *pargs,
    struct json_object **def, struct json_object **params)
{
	struct json_object *given = json_object_new_object();
	struct flowfile_root root = { NULL, 0 };
	enum sl_status s;
	char why[512];

	*params = NULL;
	if ((s = flowfile_load(file, def)) != SL_OK ||
	    (s = flowfile_root_find(file, &root)) != SL_OK)
		goto out;
	flowfile_resolve(*def, &root);
	json_object_object_add(*def, "notify", NULL);
	for (int i = 0; s == SL_OK && i < pargs->n; i++)
		s = params_add(given, *def, pargs->v[i]);
	if (s == SL_OK && flowdef_bind_params(*def, given, params, why,
	    sizeof(why)) != SL_OK) {
		cli_err("%s: %s", file, why);
		s = SL_INVALID;
	}
	if (s == SL_OK)
		fprintf(stderr, "run --local: flow %s from %s, in %s\n",
		    jsonx_get_str(*def, "name"), file, root.dir);
out:
	flowfile_root_fini(&root);
	json_object_put(given);
	return s;
}

/* Opens the database in l->dir, migrated, and stores the run there.
 * Returns SL_OK or the failure (printed). */
static enum sl_status
store_run(struct local *l, const char *file, struct json_object *def,
    struct json_object *params)
{
	char *path = xasprintf("%s/sluice.db", l->dir), *mig, why[512];
	enum sl_status s = SL_DB;

	if ((l->db = db_open(path)) == NULL) {
		cli_err("cannot open %s", path);
		goto out;
	}
	mig = paths_migrations_dir();
	s = migrate_apply(l->db, mig, why, sizeof(why));
	if (s != SL_OK)
		cli_err("migrations (%s): %s", mig, why);
	free(mig);
	if (s == SL_OK && (s = local_store_run(l->db, def, jsonx_text(params),
	    file, l->id)) != SL_OK)
		cli_err("cannot store the run in %s", path);
out:
	free(path);
	return s;
}

/*
 * In the child, before exec: its own process group, SIGTERM should
 * sluicectl die, the usual signal mask, no power to change users, its
 * output into log. Returns only on failure (written to stderr).
 */
static void
child_exec(struct local *l, const char *prog, const char *pool,
    pid_t parent, const char *log)
{
	int fd;

	setpgid(0, 0);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != parent)
		_exit(127);
	sigprocmask(SIG_SETMASK, &l->oldmask, NULL);
	if (geteuid() == 0 && privs_forgo(PRIVS_CAP(CAP_SETUID) |
	    PRIVS_CAP(CAP_SETGID)) == -1) {
		fprintf(stderr, "sluicectl: cannot start the scheduler "
		    "without CAP_SETUID: %s\n", strerror(errno));
		return;
	}
	if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0600)) == -1 || dup2(fd, 1) == -1 || dup2(fd, 2) == -1)
		return;
	if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) != -1)
		dup2(fd, 0);
	setenv("SLUICE_DATA", l->dir, 1);
	setenv("SLUICE_POOL", pool, 1);
	setenv("SLUICE_WORKER_NAME", "local", 1);
	execl(prog, "sluice-scheduler", (char *)NULL);
	fprintf(stderr, "sluicectl: cannot run %s: %s\n", prog,
	    strerror(errno));
}

/* Returns the sluice-scheduler beside this program (caller frees), or
 * NULL after printing why. */
static char *
scheduler_path(void)
{
	char exe[PATH_MAX], *slash, *p;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0 || (exe[n] = '\0', slash = strrchr(exe, '/')) == NULL) {
		cli_err("cannot tell where sluicectl is: %s", strerror(errno));
		return NULL;
	}
	*slash = '\0';
	p = xasprintf("%s/sluice-scheduler", exe);
	if (access(p, X_OK) == 0)
		return p;
	cli_err("run --local needs sluice-scheduler beside sluicectl, in %s: "
	    "%s", exe, strerror(errno));
	free(p);
	return NULL;
}

/* Starts the scheduler on l->dir for pool. Returns SL_OK or SL_IO. */
static enum sl_status
scheduler_start(struct local *l, const char *pool)
{
	char *prog = scheduler_path(), *log;
	pid_t parent = getpid();

	if (prog == NULL)
		return SL_NOTFOUND;
	log = xasprintf("%s/scheduler.log", l->dir);
	fflush(NULL);
	if ((l->sched = fork()) == 0) {
		child_exec(l, prog, pool, parent, log);
		_exit(127);
	}
	if (l->sched == -1)
		cli_err("fork: %s", strerror(errno));
	free(log);
	free(prog);
	return l->sched == -1 ? SL_IO : SL_OK;
}

/* Returns 1 once the scheduler has exited (its status kept). */
static int
scheduler_gone(struct local *l)
{
	if (l->sched == -1)
		return 1;
	if (waitpid(l->sched, &l->sched_status, WNOHANG) != l->sched)
		return 0;
	l->sched = -1;
	return 1;
}

/* Prints the scheduler's own log to stderr: it stopped unasked, or not
 * cleanly. */
static void
scheduler_log_show(struct local *l)
{
	char *path = xasprintf("%s/scheduler.log", l->dir), *buf;
	size_t len;

	if (WIFEXITED(l->sched_status))
		cli_err("the scheduler exited with status %d; its log:",
		    WEXITSTATUS(l->sched_status));
	else
		cli_err("the scheduler died of signal %d; its log:",
		    WTERMSIG(l->sched_status));
	if ((buf = cli_read_file(path, &len)) != NULL)
		fwrite(buf, 1, len, stderr);
	free(buf);
	free(path);
}

/* Returns the tail of task's attempt, added when new. */
static struct tail *
tail_of(struct local *l, const char *task, int attempt)
{
	struct tail *t;

	for (size_t i = 0; i < l->ntails; i++)
		if (l->tails[i].attempt == attempt &&
		    strcmp(l->tails[i].task, task) == 0)
			return &l->tails[i];
	l->tails = xrealloc(l->tails, (l->ntails + 1) * sizeof(*l->tails));
	t = &l->tails[l->ntails++];
	t->task = xstrdup(task);
	t->attempt = attempt;
	t->off = 0;
	t->ended = 0;
	return t;
}

/* Prints one log line ("<time> out|err <text>") as "task | text". */
static void
print_line(const char *task, const char *line)
{
	const char *sp = strchr(line, ' ');

	if (sp != NULL && (strncmp(sp + 1, "out ", 4) == 0 ||
	    strncmp(sp + 1, "err ", 4) == 0))
		line = sp + 5;
	printf("%s | %s\n", task, line);
}

/*
 * Prints the lines of t's log past what was printed; with all, also a
 * last line without its newline (the attempt has ended).
 */
static void
tail_print(struct local *l, struct tail *t, int all)
{
	char *path = xasprintf("%s/logs/%s/%s.%d.log", l->dir, l->id,
	    t->task, t->attempt), *line = NULL;
	FILE *f = fopen(path, "re");
	size_t cap = 0;
	ssize_t n;

	free(path);
	if (f == NULL || fseeko(f, t->off, SEEK_SET) == -1)
		goto out;
	while ((n = getline(&line, &cap, f)) > 0) {
		int whole = line[n - 1] == '\n';

		if (!whole && !all)
			break;
		if (whole)
			line[n - 1] = '\0';
		print_line(t->task, line);
		t->off += n;
	}
out:
	free(line);
	if (f != NULL)
		fclose(f);
}

/* Prints what is new in view: log lines, and each attempt's end once. */
static void
show(struct local *l, const struct local_view *v)
{
	for (size_t i = 0; i < v->n; i++) {
		const struct local_attempt *a = &v->v[i];
		int ended = states_task_terminal(a->state);
		struct tail *t;

		if (states_task_waiting(a->state))
			continue;
		t = tail_of(l, a->task, a->attempt);
		if (t->ended)
			continue;
		tail_print(l, t, ended);
		if (!ended)
			continue;
		printf("%s | -- attempt %d %s%s%s\n", a->task, a->attempt,
		    states_task_name(a->state), a->reason ? ": " : "",
		    a->reason ? a->reason : "");
		t->ended = 1;
	}
	fflush(stdout);
}

/*
 * Waits up to ms for a stop signal. Returns 1 when one came, else 0.
 */
static int
stop_signal(struct local *l, long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	return sigtimedwait(&l->sigs, NULL, &ts) > 0;
}

/*
 * Follows the run until the scheduler has gone: the run's end (or a stop
 * signal: *interrupted is set) sends it SIGTERM, again at each further
 * signal, SIGKILL when it outlives the grace period and some. v holds
 * the view read once it had gone. Returns SL_OK, or SL_IO when the
 * scheduler stopped unasked (its log printed; also when it did not exit 0
 * once asked).
 */
static enum sl_status
follow(struct local *l, struct local_view *v, int *interrupted)
{
	int64_t grace, stop_at = 0;
	char why[256];

	if (config_int("SLUICE_KILL_GRACE_S", 10, 0, 3600, &grace, why,
	    sizeof(why)) == -1)
		grace = 10;
	for (;;) {
		local_view_fini(v);
		if (local_store_view(l->db, l->id, v) == SL_OK)
			show(l, v);
		if (scheduler_gone(l))
			break;
		if (stop_at == 0 && states_run_terminal(v->state)) {
			stop_at = timefmt_mono_ms();
			kill(l->sched, SIGTERM);
		}
		if (stop_signal(l, LOCAL_POLL_MS)) {
			if (!*interrupted)
				fprintf(stderr, "run --local: stopping; the "
				    "tasks get %lld s to end (Ctrl-C again "
				    "ends them now)\n", (long long)grace);
			*interrupted = 1;
			stop_at = stop_at ? stop_at : timefmt_mono_ms();
			kill(l->sched, SIGTERM);
		}
		if (stop_at != 0 && timefmt_mono_ms() - stop_at >
		    (grace + LOCAL_STOP_SLACK_S) * 1000)
			kill(l->sched, SIGKILL);
	}
	/* What the scheduler wrote last (attempts it stopped, say). */
	local_view_fini(v);
	if (local_store_view(l->db, l->id, v) == SL_OK)
		show(l, v);
	if (stop_at == 0) {
		scheduler_log_show(l);
		return SL_IO;
	}
	/* Stopped, yet not cleanly: what it said may matter. */
	if (!WIFEXITED(l->sched_status) || WEXITSTATUS(l->sched_status) != 0)
		scheduler_log_show(l);
	return SL_OK;
}

/* Prints how the run ended. Returns SL_OK when it COMPLETED. */
static enum sl_status
report(const struct local_view *v, int interrupted)
{
	const char *state = states_run_name(v->state);

	if (interrupted && !states_run_terminal(v->state)) {
		printf("run %s: interrupted, not finished\n", state);
		return SL_CONFLICT;
	}
	printf("run %s%s%s\n", state, v->reason ? ": " : "",
	    v->reason ? v->reason : "");
	return v->state == RUN_COMPLETED ? SL_OK : SL_CONFLICT;
}

/* Runs the flow of file with the -p arguments (see the top of this file). */
static enum sl_status
run_local(struct local *l, const char *file, const struct cli_list *pargs)
{
	struct json_object *def = NULL, *params = NULL;
	struct local_view v = { 0 };
	int interrupted = 0;
	enum sl_status s;

	if ((s = load_flow(file, pargs, &def, &params)) != SL_OK ||
	    (s = make_dir(l)) != SL_OK ||
	    (s = store_run(l, file, def, params)) != SL_OK ||
	    (s = scheduler_start(l, jsonx_get_str(def, "pool"))) != SL_OK)
		goto out;
	if ((s = follow(l, &v, &interrupted)) == SL_OK)
		s = report(&v, interrupted);
out:
	local_view_fini(&v);
	json_object_put(params);
	json_object_put(def);
	return s;
}

/* `sluicectl run --local FLOW_FILE ...`: CLI_OK, CLI_FAIL or CLI_USAGE. */
enum cli_exit
cmd_local(struct cli *cli, int argc, char **argv)
{
	struct cli_list pargs = { NULL, 0 };
	int local = 0, wait = 0;
	const struct cli_opt opts[] = {
		{ "local", 0, CLI_OPT_FLAG, &local },
		{ "param", 'p', CLI_OPT_LIST, &pargs },
		{ "wait", 'w', CLI_OPT_FLAG, &wait },	/* it always waits */
		{ NULL, 0, CLI_OPT_FLAG, NULL }
	};
	const struct cli_syntax syntax = { usage, opts, 1, 1, 0 };
	struct local l = { .sched = -1 };
	struct cli_args a;
	enum sl_status s;

	if (cli_parse(cli, &syntax, argc, argv, &a) != SL_OK || a.help) {
		cli_list_fini(&pargs);
		return a.exit;
	}
	sigemptyset(&l.sigs);
	sigaddset(&l.sigs, SIGINT);
	sigaddset(&l.sigs, SIGTERM);
	sigaddset(&l.sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &l.sigs, &l.oldmask);
	s = run_local(&l, a.args[0], &pargs);
	if (l.sched != -1) {	/* it never got to follow */
		kill(l.sched, SIGKILL);
		waitpid(l.sched, NULL, 0);
	}
	db_close(l.db);
	if (l.dir != NULL)
		nftw(l.dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	for (size_t i = 0; i < l.ntails; i++)
		free(l.tails[i].task);
	free(l.tails);
	free(l.dir);
	sigprocmask(SIG_SETMASK, &l.oldmask, NULL);
	cli_list_fini(&pargs);
	return cli_exit_of(s);
}

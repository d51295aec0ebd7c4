/*
 * sched.h: the scheduler's shared state and the functions its files call
 * on each other. Private to scheduler/; nothing in lib/ includes it.
 *
 * The store is the truth: every change of a run or an attempt is
 * written through the worker interface (lib/worker.h; SQLite today,
 * short BEGIN IMMEDIATE transactions) before the scheduler acts on it.
 * The structs below are the scheduler's working copy of the runs it has
 * claimed, rebuilt from the store when a run is claimed or adopted from
 * a dead scheduler. The database handle db remains for the server
 * duties (cron, retention, recovery; see lib/worker.h for why).
 */
#ifndef SLUICE_SCHED_H
#define SLUICE_SCHED_H

#include <json-c/json.h>
#include "db.h"
#include <stdint.h>
#include <sys/types.h>

#include "fault.h"
#include "ids.h"
#include "states.h"
#include "worker.h"

/* Longest log line written as one line; longer ones are split. */
#define LOG_LINE_MAX (64 * 1024)
/* Largest result a task may leave in SLUICE_RESULT. */
#define RESULT_MAX (1024 * 1024)
/* How often a scheduler renews its heartbeat (ms). */
#define HEARTBEAT_MS 2000
/* How long a finished task's inherited pipes may stay open (ms). */
#define PIPE_LINGER_MS 5000
/* How often, at most, logsink looks whether its file is still in place. */
#define LOGWATCH_MS 1000

struct sched_config {
	char *data_dir;		/* $SLUICE_DATA, absolute */
	char *worker;		/* $SLUICE_WORKER_NAME or the host name */
	char *pool;		/* $SLUICE_POOL or "default" */
	char host[256];
	int concurrency;	/* $SLUICE_CONCURRENCY (default 8) */
	int concurrency_set;	/* it was given explicitly */
	int64_t kill_grace_ms;	/* $SLUICE_KILL_GRACE_S (default 10) */
	int64_t stale_ms;	/* $SLUICE_WORKER_STALE_S (default 30) */
	int64_t log_max_bytes;	/* $SLUICE_LOG_MAX_BYTES (default 100 MiB) */
	int retention_days;	/* $SLUICE_RETENTION_DAYS (default 30) */
	int64_t code_min_age_s;	/* $SLUICE_CODE_MIN_AGE_S (default 3600) */
	int64_t webhook_max_age_ms;	/* $SLUICE_WEBHOOK_MAX_AGE_S (1 day) */
};

/* One output stream of a task (stdout or stderr) being copied to the log. */
struct logstream {
	int fd;			/* read end of the pipe, -1 at EOF */
	const char *tag;	/* "out" or "err" */
	char *buf;		/* partial line, LOG_LINE_MAX bytes */
	size_t len;
	int split;		/* buf was just written out as a split line */
};

/* What became of an attempt's log file at its path (logwatch.c). */
enum log_fate {
	LOG_FATE_NONE,		/* still there */
	LOG_FATE_DELETED,	/* unlinked (no link left) */
	LOG_FATE_MOVED,		/* moved away, nothing at the path */
	LOG_FATE_REPLACED,	/* moved away, another file at the path */
	LOG_FATE_MAX
};

/* The log file of one attempt. */
struct logsink {
	struct logstream s[2];
	int file;		/* <data>/logs/<run>/<task>.<attempt>.log */
	char *path;		/* that path (owned; logwatch.c) */
	int64_t written;	/* bytes written to the current file */
	int64_t looked_at;	/* mono ms of logwatch's last look */
	enum log_fate fate;	/* the first thing that became of the file */
	int64_t fate_at;	/* wall ms it was noticed */
	enum log_fate last_fate;	/* and the latest */
	int fates;		/* times the file was taken from its path */
	int64_t dropped;	/* bytes left in files taken from the path */
	int64_t left;		/* of them, in the latest (its marker) */
	int fate_marker;	/* the re-created file needs its marker line */
	int stray;		/* file is not at path (re-creating failed) */
	int stray_errno;	/* why */
	int unreadable;		/* the service user cannot read it */
	int64_t unreadable_at;	/* wall ms that was first noticed */
	unsigned unreadable_mode;	/* its permission bits then */
	uid_t unreadable_uid;	/* its owner then */
	char *wbuf;		/* pending bytes for file */
	size_t wlen;
	int64_t size;		/* bytes in the file (incl. pending) */
	int64_t max;		/* cap; a marker line is written once reached */
	int truncated;
	int64_t lost;		/* bytes not written since the last marker */
	int64_t lost_total;	/* bytes never written, in all */
	int lost_errno;		/* why the first of them was not */
	int midline;		/* the file ends inside a line */
	int64_t reported;	/* size last written to task_runs.log_size */
	int64_t reported_at;	/* mono ms of that write */
};

struct run;
struct pollfd;

/* One uid tasks run as, taken by one attempt at a time (taskuser.c). */
struct task_slot {
	int busy;		/* an attempt or its cleaner has it */
	int lock;		/* abstract socket naming the uid, or -1 */
	pid_t cleaner;		/* cleaning up after the attempt, or 0 */
	char *scratch;		/* the attempt's scratch folder */
};

/* Who tasks run as (taskuser.c). */
struct taskuser {
	int drop;		/* tasks run as slot uids, not ours */
	char *name;		/* SLUICE_TASK_USER: the tasks' group */
	gid_t gid;
	uid_t uid_base;		/* slot i runs as uid_base + i */
	uint64_t nproc;		/* RLIMIT_NPROC of a task */
	struct task_slot *slots;
	char *base;		/* holds every attempt's scratch folder */
};

/*
 * A task process: one attempt that has been started. Allocated and freed
 * only by attempt.c (attempt_new, attempt_free).
 */
struct attempt {
	struct run *run;
	int task;		/* index in run->tasks */
	int attempt;
	pid_t pid;		/* also its process group */
	int64_t proc_start;
	int exited;		/* leader reaped */
	int status;		/* its wait status */
	int64_t started_mono;
	int64_t exited_mono;
	int64_t deadline_mono;	/* task timeout, 0 = none */
	int64_t term_mono;	/* SIGTERM sent at, 0 = not stopping */
	int killed;		/* SIGKILL sent */
	enum task_state stop_state;	/* when stopped by us */
	char *stop_reason;
	int no_retry;		/* stopped for a reason retries cannot fix */
	char *result_path;
	struct taskuser *tu;	/* borrowed from the scheduler */
	int slot;		/* its slot of tu */
	char *scratch;		/* its scratch folder */
	struct logsink log;
};

struct task {
	char *name;
	struct json_object *def;	/* borrowed from run->def */
	int *deps;		/* indices of upstream tasks */
	int ndeps;
	int retries;
	double retry_delay_s, retry_backoff, retry_jitter_s;
	int64_t timeout_s;
	/* Latest attempt as known to the database. */
	enum task_state state;
	int attempt;
	int64_t not_before;	/* AWAITING_RETRY: wall ms */
	char *result;		/* JSON text or NULL */
	struct attempt *proc;	/* running process, or NULL */
};

struct run {
	struct run *next;
	char id[IDS_LEN];
	char *flow;
	int64_t version;
	char *repo;		/* the version's repository, or NULL */
	char *commit_id;	/* its commit, whose checkout tasks run in */
	char *venv;		/* its virtual environment's id, or NULL */
	struct json_object *def;	/* normalised definition */
	struct json_object *params;	/* bound parameters */
	struct task *tasks;
	int ntasks;
	int64_t started_at;	/* wall ms */
	int64_t timeout_s;	/* flow timeout, 0 = none */
	int cancelling;		/* cancel seen and acted on */
	int timed_out;		/* flow timeout fired */
	int lost;		/* another scheduler took it over */
};

struct sched {
	struct db *db;		/* server duties: cron, retention, recovery */
	struct worker *w;	/* worker duties (lib/worker.h) */
	struct sched_config cfg;
	struct taskuser tu;
	char incarnation[33];
	int wake_fd;
	char *wake_path;
	int sig_fd;
	int paused;		/* workers.paused, re-read every iteration */
	int limit;		/* workers.concurrency_limit */
	int stopping;		/* SIGTERM seen: claim nothing, stop tasks */
	struct run *runs;	/* claimed, unfinished runs */
	struct deliverer *deliverer;	/* webhooks in flight (deliver.c) */
	int nprocs;		/* running task processes */
	int blocked;		/* ready tasks waiting for a free slot */
	int64_t next_heartbeat, next_recover, next_cron, next_retention;
	int64_t beat_ok_mono;	/* last heartbeat the store took */
	int64_t store_up_since;	/* wall ms: the store took every beat since */
	struct store_backoff {	/* writes refused (full disk): store.c */
		int64_t down_mono;	/* first refusal of this spell, 0 = none */
		int64_t retry_mono;	/* try writing again at */
		int64_t delay_ms;	/* current pause between tries */
		int refused;		/* refusals in this spell */
	} store;
	struct fault fault;	/* crash points, test builds only (fault.h) */
	struct repo_job {	/* the repository sync running (repo_tick.c) */
		pid_t pid;	/* the sync process, 0 = none */
		char name[128];	/* its repository */
		char error[256];	/* JSON of a lost sync's error */
		int again;	/* it is asked again (interrupted by a stop) */
	} repo;
};

/* taskuser.c; the files a task finds in its scratch folder: */
#define SCRATCH_RESULT "result.json"	/* SLUICE_RESULT, the task writes */
#define SCRATCH_UPSTREAM "upstream.json"	/* SLUICE_UPSTREAM_FILE */
int taskuser_init(struct taskuser *tu, char *why, size_t whysz);
void taskuser_fini(struct taskuser *tu);
int taskuser_claim(struct taskuser *tu);
uid_t taskuser_uid(const struct taskuser *tu, int slot);
char *taskuser_scratch(struct taskuser *tu, int slot, const char *label,
    const char *upstream, char *why, size_t whysz);
int taskuser_cleaning(const struct taskuser *tu, const char *label);
int taskuser_enter(const struct taskuser *tu, int slot);
void taskuser_release(struct taskuser *tu, int slot, char *scratch,
    const char *run_id, const char *task, int attempt);
void taskuser_reaped_slot(struct taskuser *tu, int slot);
int taskuser_reaped(struct taskuser *tu, pid_t pid);
void taskuser_drain(struct taskuser *tu);

/* heartbeat.c */
int heartbeat_register(struct sched *s);
int heartbeat_beat(struct sched *s);
int heartbeat_reread(struct sched *s);
int64_t heartbeat_silent_before(const struct sched *s);
void heartbeat_lease_lost(struct sched *s) __attribute__((noreturn));

/* repo_tick.c */
void repo_tick(struct sched *s);
void repo_tick_ended(struct sched *s, int status, int again);
int repo_tick_reaped(struct sched *s, pid_t pid, int status);
void repo_tick_stop(struct sched *s);

/* claim.c */
int claim_runs(struct sched *s, int budget);

/* dag.c */
struct run *dag_load(struct sched *s, const char *run_id);
struct run *dag_adopt(struct sched *s, const char *run_id,
    const char *old_host, const char *crash_reason);
void dag_free(struct run *r);
void dag_advance(struct sched *s);
void dag_check_cancels(struct sched *s);
void dag_check_timeouts(struct sched *s);
struct run *dag_find(struct sched *s, const char *run_id);
int dag_count_ready(struct sched *s);

/* spawn.c */
int spawn_attempt(struct sched *s, struct run *r, int t);

/* attempt.c */
struct attempt *attempt_new(struct run *r, int ti, pid_t pid,
    int64_t proc_start, struct taskuser *tu, int slot, char *scratch,
    const struct logsink *log);
void attempt_free(struct attempt *a);

/* reap.c */
void reap_children(struct sched *s);
void reap_finish_ready(struct sched *s);
void reap_stop(struct sched *s, struct attempt *a, enum task_state st,
    const char *reason, int no_retry);
void reap_enforce_kills(struct sched *s);
void reap_report_logs(struct sched *s, int writes);

/* store.c */
void store_refused(struct store_backoff *b, enum sl_status st, int64_t mono);
int store_writes_due(const struct store_backoff *b, int64_t mono);
void store_back(struct store_backoff *b, int64_t mono, int waiting);

/* logsink.c */
int logsink_open(struct logsink *l, const char *path, int out_fd,
    int err_fd, int64_t max);
int logsink_read(struct logsink *l, int stream, size_t budget);
void logsink_note(struct logsink *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void logsink_flush(struct logsink *l);
size_t logsink_problem(const struct logsink *l, char *buf, size_t sz);
void logsink_close_pipes(struct logsink *l);
void logsink_fini(struct logsink *l);
int logsink_eof(const struct logsink *l);

/* logwatch.c */
void logwatch_look(struct logsink *l);
int logwatch_marker(const struct logsink *l, char *buf, size_t sz);
int logwatch_fate(const struct logsink *l, char *buf, size_t sz);
int logwatch_unreadable(const struct logsink *l, char *buf, size_t sz);

/* recover.c */
void recover_orphans(struct sched *s);

/* cron_tick.c */
void cron_tick(struct sched *s);

/* loop.c */
int loop_run(struct sched *s);

/* notify.c */
void notify_tick(struct sched *s);

/* deliver.c */
void deliver_init(struct sched *s);
void deliver_fini(struct sched *s);
void deliver_tick(struct sched *s);
size_t deliver_nfds(struct sched *s);
size_t deliver_fds(struct sched *s, struct pollfd *pfd, size_t max,
    int *timeout);
void deliver_events(struct sched *s, const struct pollfd *pfd, size_t n);
void deliver_perform(struct sched *s);

/* retention.c */
void retention_tick(struct sched *s);
void retention_code(struct sched *s);

#endif

/*
 * api.h: what the sluice-api files share: the process context (the only
 * shared state; no other globals), the per-request struct, and the
 * request handlers that router.c names. A handler replies through
 * reply.h and returns SL_OK, or returns the status of its failure
 * (described with reply_fail, or left to reply_send's generic message);
 * everything it allocates hangs off struct req or is released before it
 * returns.
 */
#ifndef SLUICE_FCGI_API_H
#define SLUICE_FCGI_API_H

#include <fcgiapp.h>
#include <json-c/json.h>
#include <pthread.h>
#include "db.h"
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "roles.h"

#define API_VERSION "0.1.0"
#define API_BODY_MAX (1024 * 1024)
#define API_LIMIT_DEFAULT 50
#define API_LIMIT_MAX 500
#define API_MAX_ARGS 3
#define API_IO_TIMEOUT_S 10	/* per socket read or write */
#define API_ONLINE_MS 15000	/* online: a heartbeat this recent */
#define API_WORKER_NAME_MAX 128	/* longest {worker} in a path */

struct authcache;
struct hashpool;
struct throttle;

/* The process: read-only after start except where noted. */
struct ctx {
	char *db_path;
	char *htpasswd_path;
	char *logs_dir;
	int listen_fd;
	int nthreads;
	int hash_threads;		/* SLUICE_AUTH_HASH_THREADS */
	atomic_int stopping;
	atomic_uint_fast64_t requests;	/* requests served, for metrics */
	struct authcache *auth;		/* locked inside authcache.c */
	struct throttle *throttle;	/* locked inside throttle.c */
	struct hashpool *hashpool;	/* password checks; hashpool.c */
	char *dummy_hash;		/* checked for unknown users */
	const char *openapi;		/* embedded document */
	size_t openapi_len;
};

struct qparam {
	char *key;
	char *val;
};

/* One request; everything here is freed by req_free. */
struct req {
	struct ctx *ctx;
	struct db *db;			/* this thread's connection */
	FCGX_Request *fr;
	const char *method;		/* borrowed from the FastCGI params */
	const char *user;		/* REMOTE_USER; NULL if absent/empty */
	const char *addr;		/* REMOTE_ADDR or NULL */
	enum role role;
	char *arg[API_MAX_ARGS];	/* the {type} segments, checked */
	const char *path_error;		/* static: why the path is malformed */
	struct qparam *q;
	int nq;
	char *body;
	size_t body_len;
	/* The reply, sent by reply_send. */
	int status;
	struct buf hdrs;
	struct buf out;
	int replied;
	enum sl_status failed;		/* the error replied, SL_OK if none */
};

typedef enum sl_status api_handler(struct req *r);

api_handler api_health;
api_handler api_me;
api_handler api_openapi;
api_handler api_metrics;
api_handler api_flows_list;
api_handler api_flows_get;
api_handler api_flows_put;
api_handler api_flows_patch;
api_handler api_flows_delete;
api_handler api_runs_create;
api_handler api_runs_list;
api_handler api_runs_get;
api_handler api_runs_cancel;
api_handler api_runs_retry;
api_handler api_runs_rerun;
api_handler api_logs_get;
api_handler api_workers_list;
api_handler api_workers_patch;
api_handler api_events_list;
api_handler api_repos_list;
api_handler api_repos_get;
api_handler api_repos_put;
api_handler api_repos_delete;
api_handler api_repos_sync;
api_handler api_repos_webhook;

/* api_flows.c: a stored flow definition, for every handler that needs one. */
enum sl_status api_flows_load_def(struct db *db, const char *flow,
    int64_t version, struct json_object **def);

/* api_repos.c: marks a repository due for a sync, inside a write
 * transaction (also for api_webhook.c). */
enum sl_status api_repos_request_sync(struct db *db, const char *name,
    const char *by, int64_t now);

#endif

/*
 * sim-core.c - the discrete-event simulator: streams, operations, the event
 * heap, the fluid kernel model (SM sharing inside a partition, DRAM sharing
 * inside a GPU) and links.  The mechanisms are described in engine.h.
 *
 * Every operation waits until it heads its stream(s) and its dependencies
 * have ended, then starts after its first kernel's gap.  A running fluid
 * kernel carries the fraction of its work still to do (rem) and a rate
 * (fraction per ns); when the set of running kernels of its GPU changes, the
 * progress made at the old rates is booked, new rates are computed, and its
 * completion event moves to the new time (each operation has at most one
 * event waiting in the heap).  Communication flows work the same way on link
 * ports.
 */
#include "engine/engine-internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { OP_KERNELS = 0, OP_COMM = 1 };
enum { ST_WAIT = 0, ST_PENDING, ST_RUN, ST_DONE };
enum { EV_START = 0, EV_DONE, EV_FLOW };

/* An event taken from the queue. */
struct ev {
	int64_t t;
	int64_t op;
	uint32_t ver;
	uint8_t type;
};

/* An event in the queue: its time, then its sequence number above its
 * handle (see the event queue). */
struct hent {
	int64_t t;
	uint64_t key;
};

/* What a handle of the event queue stands for: the operation whose event it
 * is and where that event sits in the heap. */
struct hslot {
	int64_t op;
	int64_t pos;
};

/* An operation, split by how often the run reads it.  struct op holds what
 * its events read and write (its readiness, its event, its current kernel,
 * its start and end): one 64-byte cache line, in an array aligned to lines
 * (ops_grow), since the run visits operations in an order unrelated to their
 * ids and waits on memory for each.  What only the trace or a host thread
 * reads waits in struct op_cold (s->cold, same index); a communication's own
 * fields in struct comm (s->comms[op.comm]). */
struct op {
	uint8_t kind, state;
	uint8_t ev_type;     /* its event in the queue: type and version */
	uint8_t fluid;       /* kernels: the current one is fluid (in its GPU's running list) */
	uint32_t ev_ver;
	uint32_t ev_h;       /* ... and its handle + 1 there (0: none) */
	int32_t stream;      /* kernels: its stream; comm: its first participant's */
	int32_t deps_left, heads_needed;
	uint32_t ver;
	uint32_t n_k, cur;   /* kernels: how many, and the current one */
	int32_t run_idx;     /* kernels: index in its GPU's running list, or -1 */
	union {
		const struct engine_kernel *k; /* OP_KERNELS */
		int64_t comm;                  /* OP_COMM: index in s->comms */
	};
	int64_t start;       /* when it started; -1 before */
	union {
		int64_t kstart;  /* kernels, running: when the current one started */
		int64_t end;     /* once done (ST_DONE): when it ended */
	};
};
_Static_assert(sizeof(struct op) == 64, "struct op is one cache line");

struct op_cold {
	struct engine_tags tags;
	int64_t host_at;     /* on a hosted stream: launch time of kernel cur */
	uint64_t host_seq;   /* ... and its stream's number of kernel 0 (sim-host.c) */
};

struct comm {
	uint8_t comm_kind;
	int32_t n_streams;   /* participants */
	int64_t slist;       /* offset of the participants in s->cstreams */
	int64_t bytes;       /* per rank */
	uint64_t epoch;      /* last flow-rate round that saw it */
	double rem, rate, comm_work; /* work left, rate */
	int64_t last;        /* when rem was booked */
	int32_t span_gpus;   /* > 0: priced over this many GPUs (engine_sim_set_comm_span) */
	int32_t span_net;    /* ... spanning nodes when 1 */
};

/* Operation `by` waits for operation `on`. */
struct dep_edge {
	int64_t on, by;
};

struct part {
	int gpu, sms;
};

struct stream {
	int gpu, part, gpart; /* part: index on its GPU; gpart: global partition index */
	int group;            /* exclusive group, -1 none */
	int host;             /* host thread, -1 none (sim-host.c) */
	const char *name;
	int64_t *ops;
	size_t n, cap, head;
};

struct port {
	double bw;            /* bytes per ns */
	int64_t *flows;
	size_t n, cap;
};

/* A running fluid kernel, kept in its GPU's running list (contiguous, so a
 * rate computation reads no operation): its operation, kernel and partition,
 * its progress (the fraction of its work left, rem, at rate per ns since
 * its GPU's last change, gpu.last_t) and the SMs it holds; then the inputs
 * and outputs of its last rate computation (the model's physics is a pure
 * function of them: when the inputs repeat, so do the outputs, and they are
 * not computed again). */
struct run_slot {
	int64_t op;
	const struct engine_kernel *k;
	int gp;               /* global partition index */
	int clocked;          /* its kernel follows the SM clock */
	double rem, rate, salloc;
	double draw;          /* DRAM bytes per ns at rate: k->bytes * rate */
	double sms;           /* SMs it holds now (gpu_sm_alloc) */
	double rate_T;        /* the time rate was computed from (rate = 1 / rate_T), 0 none */
	int have_rate, have_time;
	double alloc, clock;  /* model_kphys_rate's inputs ... */
	double dem, comp, ceiling; /* ... and outputs */
	double bw, T;         /* model_kphys_time's input and output (given comp, ceiling) */
};

/* One remembered model_kphys_rate (kernel_rate); k NULL: empty. */
#define RATE_MEMO 4096
struct rate_memo {
	const struct engine_kernel *k;
	double sms, clock;
	double dem, comp, ceiling;
};

struct gpu {
	struct run_slot *run; /* running fluid kernels */
	size_t n_run, cap_run;
	size_t n_clocked;     /* how many of them follow the SM clock */
	int have_clock;       /* clock = model_clock_factor(clock_busy) */
	double clock_busy, clock;
	/* (gpu_recompute) its last call got every kernel its full DRAM demand
	 * (each slot's bw == dem) at clock rated_clock, and rated them all */
	int settled;
	double rated_clock;
	int64_t *comm;        /* running collectives (their data moving) */
	size_t n_comm, cap_comm;
	int used_sms;
	int64_t last_t;
	double busy;          /* SM x ns */
	double dram;          /* bytes moved to and from DRAM */
};

struct group {
	int busy;
	int64_t *wait;        /* ready operations waiting for the group */
	size_t n, cap;
	/* Strict (two or more streams, all launched by one host thread): its
	 * operations run in the order they were queued (ops, from cur on), the
	 * order that thread issues them in; so a thread blocked on one stream's
	 * full launch queue never waits for an operation that holds the group
	 * while it waits for that thread.  Made by group_orders() when the run
	 * starts. */
	int strict;
	int host, hosted;     /* (group_orders) the host of its streams, -1 mixed */
	int64_t *ops;
	size_t n_ops, cap_ops, cur;
};

struct engine_sim {
	struct engine_cluster c;
	struct group *groups;
	size_t n_groups;
	struct gpu *gpus;
	struct part *parts;
	size_t n_parts, cap_parts;
	struct stream *streams;
	size_t n_streams, cap_streams;
	struct op *ops;       /* aligned to 64 bytes (ops_grow) */
	size_t n_ops, cap_ops;
	struct op_cold *cold; /* [n_ops] */
	size_t cap_cold;
	struct comm *comms;
	size_t n_comms, cap_comms;
	struct dep_edge *deps; /* every dependency, in the order of the waiting operations */
	size_t n_deps, cap_deps;
	int *cstreams;        /* comm participants */
	size_t n_cstreams, cap_cstreams;
	int64_t *dependents;  /* CSR built at run: who waits for op i */
	int64_t *dep_idx;
	struct port *ports;   /* 2 per GPU: NVLink, network */
	struct hent *heap;
	size_t n_heap, cap_heap;
	int op_bits;          /* the heap's keys (heap_keys) */
	int top_taken;        /* the top entry is the event being handled (heap_take) */
	uint64_t op_mask, seq_max;
	struct hslot *hs;     /* [handle]: a waiting event's operation and heap position */
	size_t n_hs, cap_hs;
	uint32_t *hfree;      /* handles free for reuse */
	size_t n_hfree, cap_hfree;
	struct rate_memo *memo; /* [RATE_MEMO] (kernel_rate) */
	uint64_t seq, epoch;
	int64_t now;
	int ran;
	const struct trace_sink *out;
	struct mo_err *err;
	int out_rc;
	double hbm;           /* achievable DRAM bandwidth, bytes per ns */
	struct engine_sim_stats st;
	int64_t first_start;
	struct engine_hosts hosts;
	int64_t corr;         /* correlation ids given to hosted launches */
	int64_t stop_at;      /* engine_sim_set_stop; <= 0 none */
};

/* ------------------------------------------------------------------------ */

void engine_cluster_init(struct engine_cluster *c, const struct model_gpu *gpu, int n_gpus)
{
	memset(c, 0, sizeof(*c));
	c->gpu = gpu;
	c->n_gpus = n_gpus;
	c->gpus_per_node = 8;
	c->nvlink_gbps = gpu && gpu->nvlink_gbps > 0 ? gpu->nvlink_gbps
						   : (gpu && gpu->pcie_gbps > 0 ? gpu->pcie_gbps : 32);
	c->nvlink_latency_ns = 3000;
	c->net_gbps = 50;
	c->net_latency_ns = 8000;
	c->launch_ns = 1000;
	c->allreduce_algo = ENGINE_ALLREDUCE_RING;
	c->host_issue = MODEL_HOST_PER_SLOT;
	model_host_init(&c->host, MODEL_LAUNCH_EAGER);
}

struct engine_sim *engine_sim_new(const struct engine_cluster *c, struct mo_err *err)
{
	struct engine_sim *s;

	if (!c || !c->gpu || c->n_gpus < 1 || c->gpu->sms < 1) {
		mo_err_set(err, MO_EUSAGE, "cannot build a simulator: no GPU spec or no GPUs");
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		mo_err_set(err, MO_ENOMEM, "out of memory");
		return NULL;
	}
	s->c = *c;
	if (s->c.gpus_per_node < 1)
		s->c.gpus_per_node = 1;
	s->gpus = calloc((size_t)c->n_gpus, sizeof(*s->gpus));
	s->ports = calloc((size_t)c->n_gpus * 2, sizeof(*s->ports));
	if (!s->gpus || !s->ports) {
		engine_sim_free(s);
		mo_err_set(err, MO_ENOMEM, "out of memory for %d GPUs", c->n_gpus);
		return NULL;
	}
	for (int g = 0; g < c->n_gpus; g++) {
		s->ports[2 * g].bw = c->nvlink_gbps > 0 ? c->nvlink_gbps : 1;
		s->ports[2 * g + 1].bw = c->net_gbps > 0 ? c->net_gbps : 1;
	}
	s->hbm = model_hbm_achievable_gbps(c->gpu);
	if (s->hbm <= 0)
		s->hbm = 1000;
	return s;
}

void engine_sim_free(struct engine_sim *s)
{
	if (!s)
		return;
	if (s->gpus)
		for (int g = 0; g < s->c.n_gpus; g++) {
			free(s->gpus[g].run);
			free(s->gpus[g].comm);
		}
	if (s->ports)
		for (int g = 0; g < 2 * s->c.n_gpus; g++)
			free(s->ports[g].flows);
	for (size_t i = 0; i < s->n_streams; i++)
		free(s->streams[i].ops);
	for (size_t i = 0; i < s->n_groups; i++) {
		free(s->groups[i].wait);
		free(s->groups[i].ops);
	}
	free(s->groups);
	engine_hosts_release(&s->hosts);
	free(s->gpus);
	free(s->ports);
	free(s->parts);
	free(s->streams);
	free(s->ops);
	free(s->cold);
	free(s->comms);
	free(s->deps);
	free(s->cstreams);
	free(s->dependents);
	free(s->dep_idx);
	free(s->heap);
	free(s->hs);
	free(s->hfree);
	free(s->memo);
	free(s);
}

int engine_sim_add_partition(struct engine_sim *s, int gpu, int sms, struct mo_err *err)
{
	int idx = 0;

	if (gpu < 0 || gpu >= s->c.n_gpus)
		return mo_err_set(err, MO_EUSAGE, "no GPU %d (the cluster has %d)", gpu, s->c.n_gpus);
	if (sms < 1 || s->gpus[gpu].used_sms + sms > s->c.gpu->sms)
		return mo_err_set(err, MO_EINPUT,
				  "GPU %d: a partition of %d SMs does not fit (%d of %d SMs already taken)",
				  gpu, sms, s->gpus[gpu].used_sms, s->c.gpu->sms);
	if (MO_GROW(s->parts, s->n_parts + 1, s->cap_parts))
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	for (size_t i = 0; i < s->n_parts; i++)
		idx += s->parts[i].gpu == gpu;
	s->parts[s->n_parts].gpu = gpu;
	s->parts[s->n_parts].sms = sms;
	s->n_parts++;
	s->gpus[gpu].used_sms += sms;
	return idx;
}

int engine_sim_add_stream(struct engine_sim *s, int gpu, int partition, struct mo_err *err)
{
	int idx = 0;
	struct stream *st;

	if (gpu < 0 || gpu >= s->c.n_gpus)
		return mo_err_set(err, MO_EUSAGE, "no GPU %d (the cluster has %d)", gpu, s->c.n_gpus);
	for (size_t i = 0; i < s->n_parts; i++) {
		if (s->parts[i].gpu != gpu)
			continue;
		if (idx++ == partition) {
			if (MO_GROW(s->streams, s->n_streams + 1, s->cap_streams))
				return mo_err_set(err, MO_ENOMEM, "out of memory");
			st = &s->streams[s->n_streams];
			memset(st, 0, sizeof(*st));
			st->gpu = gpu;
			st->part = partition;
			st->gpart = (int)i;
			st->group = -1;
			st->host = -1;
			return (int)s->n_streams++;
		}
	}
	return mo_err_set(err, MO_EUSAGE, "GPU %d has no partition %d", gpu, partition);
}

int engine_sim_set_stream_name(struct engine_sim *s, int stream, const char *name,
			       struct mo_err *err)
{
	if (stream < 0 || (size_t)stream >= s->n_streams)
		return mo_err_set(err, MO_EUSAGE, "no stream %d", stream);
	s->streams[stream].name = name;
	return 0;
}

int engine_sim_set_host(struct engine_sim *s, int stream, int host, struct mo_err *err)
{
	if (stream < 0 || (size_t)stream >= s->n_streams || host < 0)
		return mo_err_set(err, MO_EUSAGE, "no stream %d or bad host %d", stream, host);
	if (s->streams[stream].n) /* its launch rings are sized by what its host issues */
		return mo_err_set(err, MO_EUSAGE, "a host for stream %d set after queueing on it",
				  stream);
	s->streams[stream].host = host;
	return 0;
}

int engine_sim_set_queue_depth(struct engine_sim *s, int depth, struct mo_err *err)
{
	if (depth < 1 || s->n_ops)
		return mo_err_set(err, MO_EUSAGE, "a launch queue depth of %d%s", depth,
				  s->n_ops ? " set after queueing operations" : "");
	s->hosts.depth = depth;
	return 0;
}

int engine_sim_set_group(struct engine_sim *s, int stream, int group, struct mo_err *err)
{
	if (stream < 0 || (size_t)stream >= s->n_streams || group < 0)
		return mo_err_set(err, MO_EUSAGE, "no stream %d or bad group %d", stream, group);
	if ((size_t)group >= s->n_groups) {
		struct group *g = realloc(s->groups, ((size_t)group + 1) * sizeof(*g));
		if (!g)
			return mo_err_set(err, MO_ENOMEM, "out of memory");
		memset(g + s->n_groups, 0, ((size_t)group + 1 - s->n_groups) * sizeof(*g));
		s->groups = g;
		s->n_groups = (size_t)group + 1;
	}
	s->streams[stream].group = group;
	return 0;
}

static int stream_push(struct engine_sim *s, int stream, int64_t op)
{
	struct stream *st = &s->streams[stream];

	if (MO_GROW(st->ops, st->n + 1, st->cap))
		return -1;
	st->ops[st->n++] = op;
	return 0;
}

/* Streams that hold at least one of this comm's queue places. */
static int comm_queued(const struct comm *c)
{
	return c->comm_kind == ENGINE_COMM_SEND ? 1 : c->n_streams;
}

static struct comm *op_comm(const struct engine_sim *s, const struct op *o)
{
	return &s->comms[o->comm];
}

/* Room for n operations in s->ops, aligned to 64 bytes (doubling; the
 * first block holds 64).  Each growth copies into a new block (aligned_alloc)
 * rather than realloc: measured, the run of bench-engine's synthetic load is
 * 15-18 % faster on a freshly written array than on one realloc grew by
 * remapping its pages (same alignment; this VM), for 10-20 ms more setup.
 * 0, or -1 out of memory. */
static int ops_grow(struct engine_sim *s, size_t n)
{
	size_t cap = s->cap_ops ? s->cap_ops : 64;
	struct op *p;

	if (n <= s->cap_ops)
		return 0;
	while (cap < n) {
		if (cap > SIZE_MAX / 2 / sizeof(*p))
			return -1;
		cap *= 2;
	}
	p = aligned_alloc(64, cap * sizeof(*p));
	if (!p)
		return -1;
	if (s->n_ops)
		memcpy(p, s->ops, s->n_ops * sizeof(*p));
	free(s->ops);
	s->ops = p;
	s->cap_ops = cap;
	return 0;
}

static int64_t add_op(struct engine_sim *s, const struct engine_tags *tags, const int64_t *deps,
		      size_t n_deps, struct mo_err *err)
{
	struct op *o;

	if (s->ran)
		return mo_err_set(err, MO_EUSAGE, "the simulator has already run");
	for (size_t i = 0; i < n_deps; i++)
		if (deps[i] < 0 || (size_t)deps[i] >= s->n_ops)
			return mo_err_set(err, MO_EUSAGE, "dependency on unknown operation %lld",
					  (long long)deps[i]);
	if (ops_grow(s, s->n_ops + 1) || MO_GROW(s->cold, s->n_ops + 1, s->cap_cold) ||
	    MO_GROW(s->deps, s->n_deps + n_deps, s->cap_deps))
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	o = &s->ops[s->n_ops];
	memset(o, 0, sizeof(*o));
	o->deps_left = (int32_t)n_deps;
	o->start = -1;
	s->cold[s->n_ops] = (struct op_cold){.tags = tags ? *tags : (struct engine_tags){-1, -1, -1, -1}};
	return (int64_t)s->n_ops;
}

/* The operation add_op made is complete: count it, with its dependencies
 * (add_op made room for them) and the stream heads it waits for. */
static int64_t commit_op(struct engine_sim *s, const int64_t *deps, size_t n_deps, int heads)
{
	int64_t id = (int64_t)s->n_ops++;

	for (size_t i = 0; i < n_deps; i++)
		s->deps[s->n_deps++] = (struct dep_edge){deps[i], id};
	s->ops[id].heads_needed = heads;
	return id;
}

int64_t engine_sim_add_kernels(struct engine_sim *s, int stream, const struct engine_kernel *k,
			       size_t n, const struct engine_tags *tags, const int64_t *deps,
			       size_t n_deps, struct mo_err *err)
{
	int64_t id;

	if (stream < 0 || (size_t)stream >= s->n_streams)
		return mo_err_set(err, MO_EUSAGE, "no stream %d", stream);
	if (!k || n == 0)
		return mo_err_set(err, MO_EUSAGE, "an operation needs at least one kernel");
	for (size_t i = 0; i < n; i++)
		if (k[i].fixed_ns <= 0 && (k[i].blocks < 1 || k[i].blocks_per_sm < 1 ||
					   !(k[i].wave_ns >= 0) || !(k[i].bytes >= 0)))
			return mo_err_set(err, MO_EINPUT,
					  "kernel %zu: needs blocks >= 1, blocks_per_sm >= 1, wave_ns >= 0",
					  i);
	id = add_op(s, tags, deps, n_deps, err);
	if (id < 0)
		return id;
	s->ops[id].kind = OP_KERNELS;
	s->ops[id].stream = stream;
	s->ops[id].k = k;
	s->ops[id].n_k = (uint32_t)n;
	s->ops[id].run_idx = -1;
	if (s->streams[stream].host >= 0 &&
	    engine_hosts_issue(&s->hosts, s->streams[stream].host, stream, k, n,
			       &s->cold[id].host_seq))
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	if (stream_push(s, stream, id))
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	return commit_op(s, deps, n_deps, 1);
}

int64_t engine_sim_add_comm(struct engine_sim *s, int kind, const int *streams, int n,
			    int64_t bytes, const struct engine_tags *tags, const int64_t *deps,
			    size_t n_deps, struct mo_err *err)
{
	int64_t id;

	if (kind != ENGINE_COMM_SEND && kind != ENGINE_COMM_ALLREDUCE)
		return mo_err_set(err, MO_EUSAGE, "unknown communication kind %d", kind);
	if (n < 1 || (kind == ENGINE_COMM_SEND && n != 2) || bytes < 0)
		return mo_err_set(err, MO_EUSAGE, "bad communication: %d participants, %lld bytes", n,
				  (long long)bytes);
	for (int i = 0; i < n; i++) {
		if (streams[i] < 0 || (size_t)streams[i] >= s->n_streams)
			return mo_err_set(err, MO_EUSAGE, "no stream %d", streams[i]);
		for (int j = 0; j < i; j++)
			if (streams[j] == streams[i])
				return mo_err_set(err, MO_EUSAGE,
						  "stream %d appears twice in one communication",
						  streams[i]);
	}
	id = add_op(s, tags, deps, n_deps, err);
	if (id < 0)
		return id;
	if (MO_GROW(s->cstreams, s->n_cstreams + (size_t)n, s->cap_cstreams) ||
	    MO_GROW(s->comms, s->n_comms + 1, s->cap_comms))
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	s->ops[id].kind = OP_COMM;
	s->ops[id].comm = (int64_t)s->n_comms;
	s->ops[id].stream = streams[0];
	s->comms[s->n_comms++] = (struct comm){.comm_kind = (uint8_t)kind,
					       .slist = (int64_t)s->n_cstreams,
					       .n_streams = n,
					       .bytes = bytes};
	memcpy(s->cstreams + s->n_cstreams, streams, (size_t)n * sizeof(*streams));
	s->n_cstreams += (size_t)n;
	for (int i = 0; i < (kind == ENGINE_COMM_SEND ? 1 : n); i++)
		if (stream_push(s, streams[i], id))
			return mo_err_set(err, MO_ENOMEM, "out of memory");
	return commit_op(s, deps, n_deps, comm_queued(op_comm(s, &s->ops[id])));
}

/* ------------------------------------------------------------------------ */
/* The event queue: an indexed 4-ary heap on (time, sequence number).  An    */
/* operation has at most one event waiting (its start, its data flow or its  */
/* completion), found through its handle: a rate change moves that event to */
/* its new time in place (with a new sequence number, as a fresh push would  */
/* get) instead of leaving a stale one behind.  The keys are unique, so the  */
/* order of events is the same as any heap's on those keys.  An entry is 16  */
/* bytes, its time and one word with the sequence number above the event's   */
/* handle (s->op_bits wide), so four siblings share a cache line.  Handles   */
/* are reused, so the table a move updates (s->hs) is as long as the most    */
/* events ever waiting at once, not the number of operations; the event's    */
/* type and version wait in its operation.                                  */
/* ------------------------------------------------------------------------ */

#define HEAP_D 4

/* (t, key) as one unsigned 128-bit number, t's sign bit flipped so that its
 * signed order is the unsigned one: one compare with borrow, free of the
 * branches that the heap's data-dependent comparisons would mispredict, and
 * shorter than comparing t and key apart (qwen3-vl x16 megatron run at 1024
 * GPUs: 0.81 -> 0.70 s CPU, median of 10 interleaved runs). */
static int hent_less(const struct hent *a, const struct hent *b)
{
	unsigned __int128 x = (unsigned __int128)((uint64_t)a->t ^ (1ULL << 63)) << 64 | a->key;
	unsigned __int128 y = (unsigned __int128)((uint64_t)b->t ^ (1ULL << 63)) << 64 | b->key;

	return x < y;
}

/* Put e at position i of the heap, recording where its operation's event is. */
static void heap_set(struct engine_sim *s, size_t i, struct hent e)
{
	s->heap[i] = e;
	s->hs[e.key & s->op_mask].pos = (int64_t)i;
}

/* Move e up from the free position i to where it belongs. */
static void heap_up(struct engine_sim *s, size_t i, struct hent e)
{
	while (i > 0) {
		size_t p = (i - 1) / HEAP_D;
		if (!hent_less(&e, &s->heap[p]))
			break;
		heap_set(s, i, s->heap[p]);
		i = p;
	}
	heap_set(s, i, e);
}

/* Move e down from the free position i among the first n entries. */
static void heap_down(struct engine_sim *s, size_t i, struct hent e, size_t n)
{
	for (;;) {
		size_t c = HEAP_D * i + 1, end = c + HEAP_D < n ? c + HEAP_D : n, m = c;
		if (c >= n)
			break;
		for (c++; c < end; c++)
			m = hent_less(&s->heap[c], &s->heap[m]) ? c : m;
		if (!hent_less(&s->heap[m], &e))
			break;
		heap_set(s, i, s->heap[m]);
		i = m;
	}
	heap_set(s, i, e);
}

/* Queue op's event at t, replacing the one it has waiting (that one is
 * counted as processed: it is the event a rate change superseded). */
static int heap_push(struct engine_sim *s, int64_t t, int type, int64_t op, uint32_t ver)
{
	struct op *o = &s->ops[op];
	uint64_t h;
	struct hent e;

	if (s->seq > s->seq_max)
		return -1; /* engine_sim_run says so */
	o->ev_type = (uint8_t)type;
	o->ev_ver = ver;
	if (o->ev_h) {
		int64_t at = s->hs[o->ev_h - 1].pos;
		e = (struct hent){t, s->seq++ << s->op_bits | (o->ev_h - 1)};
		s->st.events++;
		if (hent_less(&e, &s->heap[at]))
			heap_up(s, (size_t)at, e);
		else
			heap_down(s, (size_t)at, e, s->n_heap);
		return 0;
	}
	if ((s->n_heap == s->cap_heap && MO_GROW(s->heap, s->n_heap + 1, s->cap_heap)) ||
	    (!s->n_hfree && (MO_GROW(s->hs, s->n_hs + 1, s->cap_hs) ||
			      MO_GROW(s->hfree, s->n_hs + 1, s->cap_hfree))))
		return -1;
	h = s->n_hfree ? s->hfree[--s->n_hfree] : s->n_hs++;
	s->hs[h].op = op;
	o->ev_h = (uint32_t)h + 1;
	e = (struct hent){t, s->seq++ << s->op_bits | h};
	if (s->top_taken) { /* in place of the event being handled (heap_take) */
		s->top_taken = 0;
		heap_down(s, 0, e, s->n_heap);
		return 0;
	}
	heap_up(s, s->n_heap++, e);
	return 0;
}

/* Take the first event, leaving its entry at the top for now (its handle
 * is free again and its operation has none): handling an event usually
 * queues another, which then takes the top's place in heap_push, one sift
 * down from the top instead of a removal (a sift down from the top) and an
 * insertion (a sift up from the bottom).  The entry left there stays first
 * meanwhile: every event queued later is at the same time or later, with a
 * higher sequence number. */
static struct ev heap_take(struct engine_sim *s)
{
	struct hent top = s->heap[0];
	uint64_t h = top.key & s->op_mask;
	int64_t op = s->hs[h].op;

	s->ops[op].ev_h = 0;
	s->hfree[s->n_hfree++] = (uint32_t)h; /* room: as many as handles (heap_push) */
	s->top_taken = 1;
	return (struct ev){top.t, op, s->ops[op].ev_ver, s->ops[op].ev_type};
}

/* The taken event leaves the heap, unless a new one took its place. */
static void heap_taken(struct engine_sim *s)
{
	struct hent last;

	if (!s->top_taken)
		return;
	s->top_taken = 0;
	last = s->heap[--s->n_heap];
	if (s->n_heap)
		heap_down(s, 0, last, s->n_heap);
}

/* The heap's key layout for n operations: the bits of a handle (there are
 * never more handles than operations), and the sequence numbers left above
 * them. */
static void heap_keys(struct engine_sim *s, size_t n)
{
	s->op_bits = 1;
	while (s->op_bits < 40 && ((uint64_t)1 << s->op_bits) < n)
		s->op_bits++;
	s->op_mask = ((uint64_t)1 << s->op_bits) - 1;
	s->seq_max = ((uint64_t)1 << (64 - s->op_bits)) - 1;
}

/* ------------------------------------------------------------------------ */
/* Output records                                                           */
/* ------------------------------------------------------------------------ */

#define SET_DEFAULT_I(n) x->n = -1;
#define SET_DEFAULT_S(n) x->n = "";

static void emit(struct engine_sim *s, const struct trace_record *rec)
{
	if (s->out && !s->out_rc)
		s->out_rc = s->out->record(s->out->ctx, rec, s->err);
}

#define FILL_ACTIVITY(a, o, t0, t1, dev, strm, prt)                                      \
	do {                                                                             \
		(a)->start_ns = (t0);                                                    \
		(a)->end_ns = (t1);                                                      \
		(a)->device = (dev);                                                     \
		(a)->stream = (strm);                                                    \
		(a)->partition = (prt);                                                  \
		if ((o)->tags.module >= 0)                                               \
			(a)->module = (o)->tags.module;                                  \
		if ((o)->tags.phase >= 0)                                                \
			(a)->phase = (o)->tags.phase;                                    \
		if ((o)->tags.microbatch >= 0)                                           \
			(a)->microbatch = (o)->tags.microbatch;                          \
		if ((o)->tags.step >= 0)                                                 \
			(a)->step = (o)->tags.step;                                      \
	} while (0)

static int st_host(const struct engine_sim *s, const struct op *o)
{
	return o->kind == OP_KERNELS ? s->streams[o->stream].host : -1;
}

static void emit_kernel(struct engine_sim *s, const struct op *o, const struct engine_kernel *k,
			int64_t t0, int64_t t1)
{
	struct trace_record rec;
	const struct stream *st = &s->streams[o->stream];
	const struct op_cold *oc = &s->cold[o - s->ops];
	int stream = o->stream;

	if (!s->out || s->out_rc)
		return;
	if (k->rec) {
		rec = *k->rec;
	} else {
		struct trace_kernel *x = &rec.u.kernel;
		memset(&rec, 0, sizeof(rec));
		rec.kind = TRACE_KIND_KERNEL;
		TRACE_KERNEL_FIELDS(SET_DEFAULT_I, SET_DEFAULT_S)
		x->grid_x = k->blocks;
		x->grid_y = x->grid_z = 1;
	}
	int64_t corr = st->host >= 0 ? s->corr + 1 : -1;
	/* the activity's times and place, and the launch's correlation */
#define FILL_CASE(kind, member)                                                       \
	case kind:                                                                    \
		FILL_ACTIVITY(&rec.u.member, oc, t0, t1, st->gpu, stream, st->part); \
		rec.u.member.correlation = corr >= 0 ? corr : rec.u.member.correlation; \
		break;
	switch (rec.kind) {
	FILL_CASE(TRACE_KIND_KERNEL, kernel)
	FILL_CASE(TRACE_KIND_MEMCPY, memcpy)
	FILL_CASE(TRACE_KIND_MEMSET, memset)
	FILL_CASE(TRACE_KIND_COLLECTIVE, collective)
	default:
		return;
	}
#undef FILL_CASE
	if (corr >= 0) { /* the launch call first, then the kernel it caused */
		struct trace_record call;
		model_host_call(&call, st->host, oc->host_at, k->host_ns, ++s->corr);
		emit(s, &call);
	}
	emit(s, &rec);
}

static void emit_comm(struct engine_sim *s, const struct op *o)
{
	const struct comm *c = op_comm(s, o);
	const struct op_cold *oc = &s->cold[o - s->ops];

	/* a send shows on its sender's stream only: the receiver's stream may be
	 * busy with its own sends meanwhile */
	for (int i = 0; i < comm_queued(c) && s->out && !s->out_rc; i++) {
		struct trace_record rec;
		struct trace_collective *x = &rec.u.collective;
		int sid = s->cstreams[c->slist + i];
		const struct stream *st = &s->streams[sid];

		memset(&rec, 0, sizeof(rec));
		rec.kind = TRACE_KIND_COLLECTIVE;
		TRACE_COLLECTIVE_FIELDS(SET_DEFAULT_I, SET_DEFAULT_S)
		FILL_ACTIVITY(x, oc, o->start, o->end, st->gpu, sid, st->part);
		x->coll = c->comm_kind == ENGINE_COMM_SEND ? (i == 0 ? TRACE_COLL_SEND : TRACE_COLL_RECV)
							   : TRACE_COLL_ALLREDUCE;
		x->bytes = c->bytes;
		x->group_size = c->n_streams;
		x->group_rank = i;
		x->name = c->comm_kind == ENGINE_COMM_SEND
				  ? (i == 0 ? "sim_send" : "sim_recv")
				  : (s->c.allreduce_algo == ENGINE_ALLREDUCE_TREE ? "sim_allreduce_tree"
										  : "sim_allreduce_ring");
		emit(s, &rec);
	}
}

static void emit_definitions(struct engine_sim *s)
{
	struct trace_record rec;

	for (int g = 0; g < s->c.n_gpus; g++) {
		memset(&rec, 0, sizeof(rec));
		rec.kind = TRACE_KIND_DEVICE;
		rec.u.device.id = g;
		rec.u.device.sms = s->c.gpu->sms;
		rec.u.device.name = s->c.gpu->name;
		emit(s, &rec);
		int idx = 0;
		for (size_t i = 0; i < s->n_parts; i++) {
			if (s->parts[i].gpu != g)
				continue;
			memset(&rec, 0, sizeof(rec));
			rec.kind = TRACE_KIND_PARTITION;
			rec.u.partition.device = g;
			rec.u.partition.id = idx++;
			rec.u.partition.sms = s->parts[i].sms;
			rec.u.partition.name = "";
			emit(s, &rec);
		}
	}
	for (size_t i = 0; i < s->n_streams; i++) {
		memset(&rec, 0, sizeof(rec));
		rec.kind = TRACE_KIND_STREAM;
		rec.u.stream.device = s->streams[i].gpu;
		rec.u.stream.id = (int64_t)i;
		rec.u.stream.partition = s->streams[i].part;
		rec.u.stream.name = s->streams[i].name ? s->streams[i].name : "";
		emit(s, &rec);
	}
	for (size_t h = 0; h < s->hosts.n; h++) {
		model_host_thread(&rec, (int)h);
		emit(s, &rec);
	}
}

/* ------------------------------------------------------------------------ */
/* Rates                                                                    */
/* ------------------------------------------------------------------------ */

static int64_t finish_time(int64_t now, double rem, double rate)
{
	double dt = rem / rate;

	if (rem <= 0 || dt <= 1e-6)
		return now;
	if (dt > 4e18)
		dt = 4e18;
	dt = ceil(dt - 1e-6);
	return now + (dt < 1 ? 1 : (int64_t)dt);
}

#define MAX_RUN 64 /* concurrent kernels per GPU that get a rate */

/* Max-min fair split of cap among demands d[0..n-1] (>= 0) into a[].  When
 * they ask for at most 0.999 cap together (sum, added in index order), each
 * gets its demand: model_fair_shares (the model's one max-min splitter)
 * would give every one of them its own d[i] (the rounding of cap as they add
 * up stays far inside the margin), so it is skipped.  Returns the split: d
 * itself in that case, else a. */
static const double *waterfill(const double *d, double *a, int n, double cap, double sum)
{
	if (sum <= 0.999 * cap)
		return d;
	model_fair_shares(d, n, cap, a);
	return a;
}

/* SMs the running collectives of gpu hold in global partition gp, and the
 * DRAM bandwidth (bytes/ns) they draw (at their current link rates). */
static double comm_held_sms(const struct engine_sim *s, int g, int gp)
{
	const struct gpu *G = &s->gpus[g];
	double held = 0;

	for (size_t c = 0; c < G->n_comm; c++) {
		const struct comm *o = op_comm(s, &s->ops[G->comm[c]]);
		for (int i = 0; i < o->n_streams; i++) {
			const struct stream *st = &s->streams[s->cstreams[o->slist + i]];
			if (st->gpu == g && st->gpart == gp)
				held += model_comm_held_sms(o->comm_kind != ENGINE_COMM_SEND, s->parts[gp].sms);
		}
	}
	return held;
}

static double comm_dram(const struct engine_sim *s, int g)
{
	const struct gpu *G = &s->gpus[g];
	double d = 0;

	for (size_t c = 0; c < G->n_comm; c++) {
		const struct comm *o = op_comm(s, &s->ops[G->comm[c]]);
		d += o->rate * (o->comm_kind == ENGINE_COMM_SEND ? MODEL_COMM_DRAM_SEND
								 : MODEL_COMM_DRAM_ALLREDUCE);
	}
	return d;
}

/* SMs of the running kernels of gpu (the first n) into their slots' sms:
 * per partition (less what collectives hold), in launch order
 * (model_sm_alloc: the run list keeps the order kernels started in, so an
 * earlier kernel keeps min(its blocks, the free SMs) and a later one takes
 * what is left, possibly none: it waits); only partition `only` (a global
 * index) when it is >= 0.  A partition's split depends only on its own
 * kernels and their order, which a start or an end in another partition
 * does not change (kernel_done keeps the order), so a partition whose
 * kernels did not change keeps its split.  Returns how many slots partition
 * `only` has, their indices into idx[] (in index order); 0 when only < 0. */
static int gpu_sm_alloc(struct engine_sim *s, int g, size_t n, int only, int *idx)
{
	struct gpu *G = &s->gpus[g];
	uint64_t grouped = 0; /* bit i: slot i's partition is handled */

	for (size_t i = 0; i < n; i++) {
		int gp = G->run[i].gp, m = 0;
		double avail, d[MAX_RUN], a[MAX_RUN];
		if ((grouped >> i & 1) || (only >= 0 && gp != only))
			continue; /* partition handled, or not asked for */
		avail = s->parts[gp].sms - (G->n_comm ? comm_held_sms(s, g, gp) : 0);
		if (avail < 1)
			avail = 1;
		for (size_t j = i; j < n; j++)
			if (G->run[j].gp == gp) {
				double want = G->run[j].k->blocks > 1 ? (double)G->run[j].k->blocks : 1;
				grouped |= (uint64_t)1 << j;
				idx[m] = (int)j;
				d[m++] = want < avail ? want : avail;
			}
		model_sm_alloc(d, m, avail, 0, a);
		for (int j = 0; j < m; j++)
			G->run[idx[j]].sms = a[j];
		if (only >= 0)
			return m;
	}
	return 0;
}

/* The GPU's clock factor with busy SMs on compute-bound tensor-core work
 * (a pure function of busy: computed again only when busy changes). */
static double gpu_clock(struct engine_sim *s, struct gpu *G, double busy)
{
	if (!G->have_clock || G->clock_busy != busy) {
		G->clock = model_clock_factor(s->c.gpu, busy);
		G->clock_busy = busy;
		G->have_clock = 1;
	}
	return G->clock;
}

/* model_kphys_rate of slot mm's kernel at its SMs and clock into its dem,
 * comp and ceiling.  The physics is a pure function of the kernel (its
 * engine_kernel, which a run never changes and shares among every operation
 * that runs it), the SMs and the clock, and a run asks for few distinct
 * triples: the results are remembered in a direct-mapped table (a miss
 * computes them and takes the entry). */
static void kernel_rate(struct engine_sim *s, struct run_slot *mm, double clock)
{
	uint64_t h = (uint64_t)(uintptr_t)mm->k * 0x9E3779B97F4A7C15ULL ^
		     (uint64_t)(int64_t)(mm->sms * 8) * 0xC2B2AE3D27D4EB4FULL;
	struct rate_memo *e = &s->memo[(h >> 40) & (RATE_MEMO - 1)];

	if (e->k != mm->k || e->sms != mm->sms || e->clock != clock) {
		struct model_kphys kp = engine_kernel_kphys(mm->k);
		e->dem = model_kphys_rate(s->c.gpu, &kp, mm->sms, clock, &e->comp, &e->ceiling);
		e->k = mm->k;
		e->sms = mm->sms;
		e->clock = clock;
	}
	mm->dem = e->dem;
	mm->comp = e->comp;
	mm->ceiling = e->ceiling;
}

/* Slot mm's time and rate at DRAM bandwidth bw (its comp and ceiling from
 * kernel_rate), and its completion event when its rate changed; a slot
 * holding no SMs waits: no progress, and its event is dropped. */
static int slot_rate(struct engine_sim *s, struct run_slot *mm, double bw)
{
	double T;

	if (mm->sms <= 0) {
		if (mm->salloc != 0 || mm->rate != 0) {
			mm->rate = mm->draw = mm->rate_T = mm->salloc = 0;
			s->ops[mm->op].ver++; /* its completion event no longer holds */
		}
		return 0;
	}
	if (!mm->have_time || mm->bw != bw) {
		struct model_kphys kp = engine_kernel_kphys(mm->k);
		mm->T = model_kphys_time(&kp, mm->comp, mm->ceiling, kp.bytes > 0 && bw < 1e-9 ? 1e-9 : bw);
		mm->bw = bw;
		mm->have_time = 1;
	}
	T = mm->T;
	if (T < 1)
		T = 1;
	if (mm->salloc == mm->sms && (mm->rate_T == T || mm->rate == 1.0 / T)) {
		mm->rate_T = T;
		return 0; /* unchanged: its completion event still holds */
	}
	mm->rate = 1.0 / T;
	mm->draw = mm->k->bytes * mm->rate;
	mm->rate_T = T;
	mm->salloc = mm->sms;
	return heap_push(s, finish_time(s->now, mm->rem, mm->rate), EV_DONE, mm->op, ++s->ops[mm->op].ver);
}

/* Give every running kernel of gpu its new rate (progress at the old ones
 * is booked by gpu_advance first): SMs by partition (only partition
 * `changed`, a global index, when its kernels are the only change and no
 * collective holds SMs; -1 all), the clock of the GPU, DRAM shared max-min
 * fair, the time from the model's kernel physics.  A kernel whose rate
 * stays the same keeps its completion event.
 *
 * When only partition `changed` changed, the clock is the one of the last
 * call and every kernel got its full DRAM demand then and now (G->settled,
 * and the sum under the cap), a kernel of another partition keeps its SMs,
 * clock, bandwidth and so its rate: only the changed partition's slots are
 * visited (the same steps, in the same order, as a visit of them all would
 * take).  The busy SMs and the DRAM sum still add every slot in index order,
 * so the clock and the cap test are bit for bit those of a full visit. */
static int gpu_recompute(struct engine_sim *s, int g, int changed)
{
	struct gpu *G = &s->gpus[g];
	size_t n = G->n_run;
	double bw_dem[MAX_RUN], bw_a[MAX_RUN];
	const double *bw;
	double busy = 0, clock, cap, sum = 0;
	int part[MAX_RUN], n_part, only;
	const int *visit; /* the slots visited: part (the changed partition's), NULL all */
	size_t n_visit;

	if (n == 0)
		return 0;
	if (n >= MAX_RUN || G->n_comm)
		changed = -1;
	if (n > MAX_RUN)
		n = MAX_RUN; /* beyond 64 concurrent kernels per GPU the rest wait their turn */
	n_part = gpu_sm_alloc(s, g, n, changed, part);
	for (size_t i = 0; G->n_clocked && i < n; i++) /* none clocked: busy is 0 */
		if (G->run[i].clocked)
			busy += G->run[i].sms;
	clock = gpu_clock(s, G, busy);
	only = changed >= 0 && G->settled && clock == G->rated_clock;
	visit = only ? part : NULL;
	n_visit = only ? (size_t)n_part : n;
	/* DRAM: what each asks for at its SMs and clock, shared max-min fair */
	for (size_t j = 0; j < n_visit; j++) {
		struct run_slot *mm = &G->run[visit ? (size_t)visit[j] : j];
		if (!mm->have_rate || mm->alloc != mm->sms || mm->clock != clock) {
			if (mm->sms > 0)
				kernel_rate(s, mm, clock);
			else
				mm->dem = mm->comp = mm->ceiling = 0; /* waiting: draws nothing */
			mm->alloc = mm->sms;
			mm->clock = clock;
			mm->have_rate = 1;
			mm->have_time = 0;
		}
	}
	for (size_t i = 0; i < n; i++) {
		bw_dem[i] = G->run[i].dem;
		sum += bw_dem[i];
	}
	cap = s->hbm - (G->n_comm ? comm_dram(s, g) : 0);
	if (cap < 0.05 * s->hbm)
		cap = 0.05 * s->hbm;
	bw = waterfill(bw_dem, bw_a, (int)n, cap, sum);
	if (bw != bw_dem) {
		visit = NULL; /* the split moved: every slot's bandwidth may have */
		n_visit = n;
	}
	G->settled = bw == bw_dem && G->n_run < MAX_RUN;
	G->rated_clock = clock;
	for (size_t j = 0; j < n_visit; j++) {
		size_t i = visit ? (size_t)visit[j] : j;
		if (slot_rate(s, &G->run[i], bw[i]))
			return -1;
	}
	return 0;
}

/* Book what gpu's running kernels did since its last change, at their
 * rates: each kernel's progress, and the SM-time held and DRAM bytes drawn
 * added to the GPU's totals. */
static void gpu_advance(struct engine_sim *s, int g)
{
	struct gpu *G = &s->gpus[g];
	double held = 0, drawn = 0, dt = (double)(s->now - G->last_t);

	for (size_t i = 0; i < G->n_run; i++) {
		struct run_slot *r = &G->run[i];
		if (i < MAX_RUN) {
			held += r->salloc;
			drawn += r->draw;
		}
		r->rem -= r->rate * dt;
		if (r->rem < 0)
			r->rem = 0;
	}
	G->busy += held * dt;
	G->dram += drawn * dt;
	G->last_t = s->now;
}

/* ------------------------------------------------------------------------ */
/* Links                                                                    */
/* ------------------------------------------------------------------------ */

static int comm_gpu(const struct engine_sim *s, const struct comm *o, int i)
{
	return s->streams[s->cstreams[o->slist + i]].gpu;
}

/* 1 when the participants span nodes (the network ports carry the flow),
 * or the group it is priced over does. */
static int comm_net(const struct engine_sim *s, const struct comm *o)
{
	int node0 = comm_gpu(s, o, 0) / s->c.gpus_per_node;

	if (o->span_gpus > 0)
		return o->span_net;

	for (int i = 1; i < o->n_streams; i++)
		if (comm_gpu(s, o, i) / s->c.gpus_per_node != node0)
			return 1;
	return 0;
}

static int comm_distinct_gpus(const struct engine_sim *s, const struct comm *o)
{
	int n = 0;

	for (int i = 0; i < o->n_streams; i++) {
		int g = comm_gpu(s, o, i), seen = 0;
		for (int j = 0; j < i; j++)
			seen |= comm_gpu(s, o, j) == g;
		n += !seen;
	}
	return n;
}

/* Latency (ns) and bytes through every port of a communication. */
static void comm_cost(const struct engine_sim *s, const struct comm *o, int64_t *lat, double *work)
{
	int n = o->span_gpus > 0 ? o->span_gpus : comm_distinct_gpus(s, o);
	int64_t hop = comm_net(s, o) ? s->c.net_latency_ns : s->c.nvlink_latency_ns;

	if (n <= 1) {
		*lat = 0;
		*work = 0;
		return;
	}
	if (o->comm_kind == ENGINE_COMM_SEND) {
		*lat = hop;
		*work = (double)o->bytes;
	} else if (s->c.allreduce_algo == ENGINE_ALLREDUCE_TREE) {
		int depth = 0;
		while ((1 << depth) < n)
			depth++;
		*lat = 2 * depth * hop;
		*work = 2.0 * (double)o->bytes;
	} else {
		*lat = 2 * (int64_t)(n - 1) * hop;
		*work = 2.0 * (n - 1) / n * (double)o->bytes;
	}
}

static int port_of(const struct engine_sim *s, const struct comm *o, int i)
{
	return 2 * comm_gpu(s, o, i) + comm_net(s, o);
}

int engine_sim_set_comm_span(struct engine_sim *s, int64_t op, int gpus, int net,
			     struct mo_err *err)
{
	struct comm *c;
	int own;

	if (s->ran || op < 0 || (size_t)op >= s->n_ops || s->ops[op].kind != OP_COMM)
		return mo_err_set(err, MO_EUSAGE, "no communication %lld to price (or the run started)",
				  (long long)op);
	c = op_comm(s, &s->ops[op]);
	own = comm_distinct_gpus(s, c);
	if (c->comm_kind != ENGINE_COMM_ALLREDUCE || gpus < own || (net != 0 && net != 1) ||
	    (!net && comm_net(s, c)))
		return mo_err_set(err, MO_EUSAGE,
				  "cannot price communication %lld over %d GPUs%s: it is not an "
				  "all-reduce, or it has %d GPUs of its own%s",
				  (long long)op, gpus, net ? " across nodes" : " in one node", own,
				  comm_net(s, c) ? " across nodes" : "");
	c->span_gpus = gpus;
	c->span_net = net;
	return 0;
}

static int flow_rates(struct engine_sim *s, const struct comm *changed)
{
	/* Recompute every flow that shares a port with the changed one. */
	s->epoch++;
	for (int i = 0; i < changed->n_streams; i++) {
		struct port *p = &s->ports[port_of(s, changed, i)];
		for (size_t f = 0; f < p->n; f++) {
			struct op *fo = &s->ops[p->flows[f]];
			struct comm *o = op_comm(s, fo);
			double rate = 1e300;
			if (o->epoch == s->epoch)
				continue; /* already recomputed in this round */
			o->epoch = s->epoch;
			o->rem -= o->rate * (double)(s->now - o->last);
			if (o->rem < 0)
				o->rem = 0;
			o->last = s->now;
			for (int j = 0; j < o->n_streams; j++) {
				const struct port *q = &s->ports[port_of(s, o, j)];
				double r = q->bw / (double)(q->n ? q->n : 1);
				if (r < rate)
					rate = r;
			}
			o->rate = rate;
			fo->ver++;
			if (heap_push(s, finish_time(s->now, o->rem, o->rate), EV_DONE, p->flows[f], fo->ver))
				return -1;
		}
	}
	return 0;
}

static int flow_add(struct engine_sim *s, int64_t id)
{
	struct comm *o = op_comm(s, &s->ops[id]);

	for (int i = 0; i < o->n_streams; i++) {
		struct port *p = &s->ports[port_of(s, o, i)];
		int dup = 0;
		for (size_t f = 0; f < p->n; f++)
			dup |= p->flows[f] == id;
		if (dup)
			continue;
		if (MO_GROW(p->flows, p->n + 1, p->cap))
			return -1;
		p->flows[p->n++] = id;
	}
	o->last = s->now;
	o->rate = 0;
	return flow_rates(s, o);
}

static int flow_remove(struct engine_sim *s, int64_t id)
{
	struct comm *o = op_comm(s, &s->ops[id]);

	for (int i = 0; i < o->n_streams; i++) {
		struct port *p = &s->ports[port_of(s, o, i)];
		for (size_t f = 0; f < p->n; f++)
			if (p->flows[f] == id) {
				memmove(p->flows + f, p->flows + f + 1, (p->n - f - 1) * sizeof(*p->flows));
				p->n--;
				break;
			}
	}
	return flow_rates(s, o);
}

/* ------------------------------------------------------------------------ */
/* Operations                                                               */
/* ------------------------------------------------------------------------ */

/* When the next kernel of o may start: its gap after now, not before its
 * launch (host_at; 0 on a stream without a host) nor its release time. */
static int64_t op_start_at(const struct engine_sim *s, const struct op *o, int64_t host_at)
{
	int64_t t = s->now;

	if (o->kind != OP_KERNELS)
		return t;
	t += o->k[o->cur].gap_ns;
	if (host_at > t)
		t = host_at;
	return o->k[o->cur].release_ns > t ? o->k[o->cur].release_ns : t;
}

/* Queue the start of o's next kernel; on a hosted stream once its host
 * has launched it (parked on the host while its queue is full). */
static int op_schedule(struct engine_sim *s, int64_t id)
{
	struct op *o = &s->ops[id];
	int host = st_host(s, o);
	struct op_cold *oc;

	if (host < 0)
		return heap_push(s, op_start_at(s, o, 0), EV_START, id, 0);
	oc = &s->cold[id];
	if (!engine_hosts_launch(&s->hosts, host, o->stream, oc->host_seq + o->cur, &oc->host_at))
		return engine_hosts_wait(&s->hosts, host, id);
	return heap_push(s, op_start_at(s, o, oc->host_at), EV_START, id, 0);
}

static int op_schedule_cb(void *ctx, int64_t id)
{
	return op_schedule(ctx, id);
}

/* Strict groups (see struct group): the operations of each, in queue order. */
static int group_orders(struct engine_sim *s)
{
	int any = 0;

	for (size_t i = 0; i < s->n_streams; i++) {
		const struct stream *st = &s->streams[i];
		struct group *g = st->group >= 0 ? &s->groups[st->group] : NULL;

		if (!g)
			continue;
		if (!g->hosted++)
			g->host = st->host;
		else if (g->host != st->host)
			g->host = -1;
	}
	for (size_t i = 0; i < s->n_groups; i++) {
		s->groups[i].strict = s->groups[i].hosted >= 2 && s->groups[i].host >= 0;
		any |= s->groups[i].strict;
	}
	for (size_t id = 0; any && id < s->n_ops; id++) {
		const struct op *o = &s->ops[id];
		struct group *g;

		if (o->kind != OP_KERNELS || s->streams[o->stream].group < 0 ||
		    !(g = &s->groups[s->streams[o->stream].group])->strict)
			continue;
		if (MO_GROW(g->ops, g->n_ops + 1, g->cap_ops))
			return -1;
		g->ops[g->n_ops++] = (int64_t)id;
	}
	return 0;
}

/* May ready operation id of group g take it now? */
static int group_turn(const struct engine_sim *s, struct group *g, int64_t id)
{
	if (g->busy)
		return 0;
	while (g->strict && g->cur < g->n_ops && s->ops[g->ops[g->cur]].state == ST_DONE)
		g->cur++;
	return !g->strict || (g->cur < g->n_ops && g->ops[g->cur] == id);
}

static int try_ready(struct engine_sim *s, int64_t id)
{
	struct op *o = &s->ops[id];
	int gid = o->kind == OP_KERNELS ? s->streams[o->stream].group : -1;

	if (o->state != ST_WAIT || o->deps_left > 0 || o->heads_needed > 0)
		return 0;
	if (gid >= 0) {
		struct group *g = &s->groups[gid];
		if (!group_turn(s, g, id)) {
			if (MO_GROW(g->wait, g->n + 1, g->cap))
				return -1;
			g->wait[g->n++] = id;
			o->state = ST_PENDING;
			return 0;
		}
		g->busy = 1;
	}
	o->state = ST_PENDING;
	return op_schedule(s, id);
}

/* An operation of an exclusive group ended: start the waiting one that was
 * queued first (the lowest id). */
static int group_release(struct engine_sim *s, int gid)
{
	struct group *g = &s->groups[gid];
	size_t best = 0;

	g->busy = 0;
	if (g->n == 0)
		return 0;
	for (size_t i = 1; i < g->n; i++)
		if (g->wait[i] < g->wait[best])
			best = i;
	int64_t id = g->wait[best];
	if (!group_turn(s, g, id))
		return 0; /* strict: its next operation is not ready yet */
	g->wait[best] = g->wait[--g->n];
	g->busy = 1;
	return op_schedule(s, id);
}

/* The head of stream moved on: its new head may become ready. */
static int stream_advance(struct engine_sim *s, int stream)
{
	struct stream *st = &s->streams[stream];
	int64_t id;

	if (st->head >= st->n)
		return 0;
	id = st->ops[st->head];
	s->ops[id].heads_needed--;
	return try_ready(s, id);
}

static int op_complete(struct engine_sim *s, int64_t id)
{
	struct op *o = &s->ops[id];

	o->state = ST_DONE;
	o->end = s->now;
	if (s->now > s->st.span_ns)
		s->st.span_ns = s->now;
	for (int64_t i = s->dep_idx[id]; i < s->dep_idx[id + 1]; i++) {
		struct op *w = &s->ops[s->dependents[i]];
		w->deps_left--;
		if (try_ready(s, s->dependents[i]))
			return -1;
	}
	if (o->kind == OP_KERNELS) {
		int gid = s->streams[o->stream].group;
		s->streams[o->stream].head++;
		if (gid >= 0 && group_release(s, gid))
			return -1;
		return stream_advance(s, o->stream);
	}
	for (int i = 0; i < comm_queued(op_comm(s, o)); i++) {
		int sid = s->cstreams[op_comm(s, o)->slist + i];
		s->streams[sid].head++;
		if (stream_advance(s, sid))
			return -1;
	}
	return 0;
}

/* A new running kernel: no rate yet, so no progress, SMs or DRAM booked.
 * (Field by field: a compound literal zeroes all 136 bytes with a string
 * instruction, slow to start; the model's inputs and outputs are read only
 * after have_rate and have_time say they are set.) */
static void run_slot_init(struct run_slot *r, int64_t op, const struct engine_kernel *k, int gp)
{
	r->op = op;
	r->k = k;
	r->gp = gp;
	r->clocked = k->clocked;
	r->rem = 1.0;
	r->rate = r->salloc = r->draw = r->sms = r->rate_T = r->dem = 0;
	r->have_rate = r->have_time = 0;
}

static int kernel_start(struct engine_sim *s, int64_t id)
{
	struct op *o = &s->ops[id];
	const struct engine_kernel *k = &o->k[o->cur];
	struct gpu *G;

	if (o->cur == 0) {
		const struct stream *st = &s->streams[o->stream];
		o->start = s->now;
		o->state = ST_RUN;
		/* its stream's next operation is read when this one ends: bring it
		 * into the cache meanwhile (a hint; no effect on the results) */
		if (st->head + 1 < st->n)
			__builtin_prefetch(&s->ops[st->ops[st->head + 1]], 1);
	}
	o->kstart = s->now;
	if (k->fixed_ns > 0) {
		o->fluid = 0;
		return heap_push(s, s->now + k->fixed_ns, EV_DONE, id, o->ver);
	}
	o->fluid = 1;
	G = &s->gpus[s->streams[o->stream].gpu];
	gpu_advance(s, s->streams[o->stream].gpu);
	if (MO_GROW(G->run, G->n_run + 1, G->cap_run))
		return -1;
	o->run_idx = (int32_t)G->n_run;
	run_slot_init(&G->run[G->n_run++], id, k, s->streams[o->stream].gpart);
	G->n_clocked += k->clocked != 0;
	return gpu_recompute(s, s->streams[o->stream].gpu, s->streams[o->stream].gpart);
}

static int kernel_done(struct engine_sim *s, int64_t id)
{
	struct op *o = &s->ops[id];
	const struct engine_kernel *k = &o->k[o->cur];

	if (o->fluid) {
		int g = s->streams[o->stream].gpu;
		struct gpu *G = &s->gpus[g];
		size_t i = (size_t)o->run_idx;
		gpu_advance(s, g);
		G->n_clocked -= G->run[i].clocked != 0;
		/* the later kernels move up one: the list stays in launch order */
		memmove(&G->run[i], &G->run[i + 1], (G->n_run - i - 1) * sizeof(G->run[0]));
		for (size_t j = i; j + 1 < G->n_run; j++)
			s->ops[G->run[j].op].run_idx = (int32_t)j;
		G->n_run--;
		o->run_idx = -1;
		if (gpu_recompute(s, g, s->streams[o->stream].gpart))
			return -1;
	}
	s->st.kernels++;
	emit_kernel(s, o, k, o->kstart, s->now);
	o->cur++;
	o->ver++;
	if (st_host(s, o) >= 0) {
		engine_hosts_ended(&s->hosts, o->stream, s->now);
		if (engine_hosts_wake(&s->hosts, st_host(s, o), op_schedule_cb, s))
			return -1;
	}
	if (o->cur < o->n_k)
		return op_schedule(s, id);
	return op_complete(s, id);
}

/* A collective's data starts (on = 1) or stops moving: it holds SMs and
 * DRAM bandwidth on every GPU it runs on, whose kernels get new rates. */
static int comm_hold(struct engine_sim *s, int64_t id, int on)
{
	const struct comm *o = op_comm(s, &s->ops[id]);

	for (int i = 0; i < o->n_streams; i++) {
		int g = comm_gpu(s, o, i), seen = 0;
		struct gpu *G = &s->gpus[g];
		for (int j = 0; j < i; j++)
			seen |= comm_gpu(s, o, j) == g;
		if (seen)
			continue;
		gpu_advance(s, g);
		if (on) {
			if (MO_GROW(G->comm, G->n_comm + 1, G->cap_comm))
				return -1;
			G->comm[G->n_comm++] = id;
		} else {
			for (size_t c = 0; c < G->n_comm; c++)
				if (G->comm[c] == id) {
					G->comm[c] = G->comm[--G->n_comm];
					break;
				}
		}
		if (gpu_recompute(s, g, -1))
			return -1;
	}
	return 0;
}

static int comm_start(struct engine_sim *s, int64_t id)
{
	struct op *o = &s->ops[id];
	struct comm *c = op_comm(s, o);
	int64_t lat;
	double work;

	o->start = s->now;
	o->state = ST_RUN;
	comm_cost(s, c, &lat, &work);
	c->comm_work = work;
	if (work <= 0)
		return heap_push(s, s->now + lat, EV_DONE, id, o->ver);
	return heap_push(s, s->now + lat, EV_FLOW, id, o->ver);
}

static int comm_done(struct engine_sim *s, int64_t id)
{
	struct op *o = &s->ops[id];

	if (op_comm(s, o)->comm_work > 0) {
		o->ver++;
		if (flow_remove(s, id) || comm_hold(s, id, 0))
			return -1;
	}
	s->st.comms++;
	o->end = s->now;
	emit_comm(s, o);
	return op_complete(s, id);
}

/* 1 when e still means something (not superseded by a rate change). */
static int ev_live(const struct engine_sim *s, const struct ev *e)
{
	const struct op *o = &s->ops[e->op];

	if (e->type == EV_FLOW)
		return e->ver == o->ver;
	if (e->type == EV_DONE)
		return e->ver == o->ver && o->state == ST_RUN;
	return 1;
}

void engine_sim_set_stop(struct engine_sim *s, int64_t t)
{
	s->stop_at = t;
}

static int handle(struct engine_sim *s, const struct ev *e)
{
	struct op *o = &s->ops[e->op];

	if (!ev_live(s, e))
		return 0;
	switch (e->type) {
	case EV_START:
		return o->kind == OP_KERNELS ? kernel_start(s, e->op) : comm_start(s, e->op);
	case EV_FLOW:
		op_comm(s, o)->rem = op_comm(s, o)->comm_work;
		if (flow_add(s, e->op))
			return -1;
		return comm_hold(s, e->op, 1);
	case EV_DONE:
		return o->kind == OP_KERNELS ? kernel_done(s, e->op) : comm_done(s, e->op);
	}
	return 0;
}

int engine_sim_run(struct engine_sim *s, const struct trace_sink *out, struct mo_err *err)
{
	size_t n = s->n_ops;

	if (s->ran)
		return mo_err_set(err, MO_EUSAGE, "the simulator has already run");
	s->ran = 1;
	s->out = out;
	s->err = err;
	/* Dependents in CSR form. */
	s->dep_idx = calloc(n + 1, sizeof(*s->dep_idx));
	s->dependents = malloc((s->n_deps ? s->n_deps : 1) * sizeof(*s->dependents));
	s->memo = calloc(RATE_MEMO, sizeof(*s->memo));
	if (!s->dep_idx || !s->dependents || !s->memo)
		return mo_err_set(err, MO_ENOMEM, "out of memory for %zu operations", n);
	for (size_t i = 0; i < s->n_deps; i++)
		s->dep_idx[s->deps[i].on + 1]++;
	for (size_t i = 0; i < n; i++)
		s->dep_idx[i + 1] += s->dep_idx[i];
	{
		int64_t *fill = calloc(n + 1, sizeof(*fill));
		if (!fill)
			return mo_err_set(err, MO_ENOMEM, "out of memory");
		for (size_t i = 0; i < s->n_deps; i++) {
			int64_t d = s->deps[i].on;
			s->dependents[s->dep_idx[d] + fill[d]++] = s->deps[i].by;
		}
		free(fill);
	}
	if (group_orders(s) || engine_hosts_start(&s->hosts))
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	emit_definitions(s);
	heap_keys(s, n);
	s->now = 0;
	for (size_t i = 0; i < s->n_streams; i++)
		if (stream_advance(s, (int)i))
			return mo_err_set(err, MO_ENOMEM, "out of memory");
	while (s->n_heap > 0 && !s->out_rc) {
		struct ev e = heap_take(s);
		if (s->stop_at > 0 && e.t > s->stop_at && ev_live(s, &e))
			return 1;
		s->now = e.t;
		s->st.events++;
		if (handle(s, &e))
			return s->seq > s->seq_max
				       ? mo_err_set(err, MO_EINPUT, "more than %llu events for %zu operations",
						    (unsigned long long)s->seq_max, n)
				       : mo_err_set(err, MO_ENOMEM, "out of memory in the event queue");
		heap_taken(s);
	}
	if (s->out_rc)
		return s->out_rc < 0 ? s->out_rc : mo_err_set(err, MO_EIO, "the trace sink stopped the run");
	for (int g = 0; g < s->c.n_gpus; g++)
		gpu_advance(s, g);
	for (size_t i = 0; i < n; i++)
		if (s->ops[i].state != ST_DONE) {
			const struct op *o = &s->ops[i];
			return mo_err_set(err, MO_EINPUT,
					  "operation %zu on stream %d never started: it waits for %d "
					  "dependencies and %d stream heads (a cycle in the schedule)",
					  i, o->stream, o->deps_left, o->heads_needed);
		}
	return 0;
}

int64_t engine_sim_op_start(const struct engine_sim *s, int64_t op)
{
	return op >= 0 && (size_t)op < s->n_ops ? s->ops[op].start : -1;
}

int64_t engine_sim_op_end(const struct engine_sim *s, int64_t op)
{
	return op >= 0 && (size_t)op < s->n_ops && s->ops[op].state == ST_DONE ? s->ops[op].end : -1;
}

void engine_sim_stats(const struct engine_sim *s, struct engine_sim_stats *st)
{
	*st = s->st;
}

double engine_sim_gpu_dram_bytes(const struct engine_sim *s, int gpu)
{
	return gpu >= 0 && gpu < s->c.n_gpus ? s->gpus[gpu].dram : 0;
}

double engine_sim_gpu_busy_sm_ns(const struct engine_sim *s, int gpu)
{
	return gpu >= 0 && gpu < s->c.n_gpus ? s->gpus[gpu].busy : 0;
}

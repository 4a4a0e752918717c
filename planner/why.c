/*
 * why.c - why mosaic colocated or did not: its best temporal-only and its
 * best colocated candidate side by side, each predicted iteration split into
 * the terms the cost model adds up, the term that decides, and how far the
 * interference factor would have to move for the decision to flip.
 */
#include "planner/planner-internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double ms(int64_t ns)
{
	return (double)ns / 1e6;
}

/* A predicted iteration in terms (ms): the bottleneck partition's compute
 * (its load without interference: the SM-scaling of its quota), the
 * interference on it, its wait for the pipeline to fill and drain (or the
 * 1F1B window), the gradient all-reduce and optimizer, and what else the
 * estimate adds (other). */
struct terms {
	double compute, interference, wait, sync, other, iter;
	double factor; /* the bottleneck's interference factor */
};

static const char *const term_names[] = {
	"compute of the busiest partition (SM scaling)", "interference on it",
	"its pipeline fill/drain wait", "gradient all-reduce + optimizer", "other (host, ...)",
};

static void terms_of(const struct plan_estimate *e, struct terms *t)
{
	const struct plan_part_estimate *b = e->bottleneck >= 0 ? &e->parts[e->bottleneck] : NULL;
	double load = b ? ms(b->load_ns) : 0;

	t->factor = b && b->interference > 0 ? b->interference : 1;
	t->compute = load / t->factor;
	t->interference = load - t->compute;
	t->wait = ms(e->pipeline_ns) - load;
	t->sync = ms(e->sync_ns);
	t->iter = ms(e->iter_ns);
	t->other = t->iter - ms(e->pipeline_ns) - t->sync;
}

static double term(const struct terms *t, int i)
{
	const double v[] = {t->compute, t->interference, t->wait, t->sync, t->other};
	return v[i];
}

/* The best candidate of one kind (temporal-only or colocated), -1 if none. */
static int best_of(const struct pl_cands *c, int colocated)
{
	int best = -1;

	for (int i = 0; i < c->n; i++)
		if (c->v[i].p && pl_temporal_only(c->v[i].p) != colocated &&
		    (best < 0 || c->v[i].p->predicted_iter_ns < c->v[best].p->predicted_iter_ns))
			best = i;
	return best;
}

/* "gpu 0: 64 SMs (vision) + 68 SMs (text)" for the first colocating GPU. */
static void describe_colocation(struct pl_sbuf *b, const struct plan *p)
{
	int n = 0, first = -1;

	for (int g = 0; g < p->n_gpus; g++)
		if (p->gpus[g].n_partitions > 1 && n++ == 0)
			first = g;
	if (first < 0)
		return;
	pl_sb_printf(b, "    colocates on %d of %d GPUs, e.g. gpu %d:", n, p->n_gpus, first);
	for (int i = 0; i < p->gpus[first].n_partitions; i++) {
		const struct plan_partition *pt = &p->gpus[first].partitions[i];

		pl_sb_printf(b, "%s %d SMs (", i ? " +" : "", pt->sms);
		for (int s = 0; s < pt->n_slots; s++)
			pl_sb_printf(b, "%s%s", s ? ", " : "", pt->slots[s].module);
		pl_sb_printf(b, ")");
	}
	pl_sb_printf(b, "\n");
}

/* The table, the deciding term and the sensitivity to interference. */
static void compare(struct pl_sbuf *b, const struct plan_problem *pb, const struct terms *t,
		    const struct terms *s)
{
	int colocates = s->iter <= (1 - pb->min_gain) * t->iter, decide = 0;
	double need, f, most = -1e300;

	pl_sb_printf(b, "  %-46s %13s %11s %10s\n", "term (predicted, ms)", "temporal-only",
		     "colocated", "difference");
	for (int i = 0; i < 5; i++) {
		double d = term(s, i) - term(t, i);

		if (i == 4 && fabs(term(s, i)) < 5e-4 && fabs(term(t, i)) < 5e-4)
			continue; /* nothing beyond the pipeline and the sync */
		pl_sb_printf(b, "  %-46s %13.3f %11.3f %+10.3f\n", term_names[i], term(t, i), term(s, i), d);
		/* the term that pushes hardest the way the decision went */
		if ((colocates ? -d : d) > most)
			most = colocates ? -d : d, decide = i;
	}
	pl_sb_printf(b, "  %-46s %13.3f %11.3f %+10.3f\n", "iteration", t->iter, s->iter, s->iter - t->iter);
	pl_sb_printf(b, "  decides: %s (%+.3f ms of %+.3f ms); mosaic colocates only when predicted at "
		     "least %.0f%% faster (the model's uncertainty at partial quotas)\n",
		     term_names[decide], term(s, decide) - term(t, decide), s->iter - t->iter,
		     pb->min_gain * 100);
	/* the bottleneck's interference factor at which the colocated candidate
	 * is exactly min_gain faster, all else equal */
	need = (1 - pb->min_gain) * t->iter - (s->iter - s->compute - s->interference);
	f = s->compute > 0 ? need / s->compute : 0;
	if (colocates)
		pl_sb_printf(b, "  sensitivity: the gain vanishes if the interference on the colocated "
			     "plan's busiest partition grows from x%.3f to x%.3f\n", s->factor, f);
	else if (f >= 1)
		pl_sb_printf(b, "  sensitivity: colocation would win if the interference on its busiest "
			     "partition fell from x%.3f to x%.3f\n", s->factor, f);
	else
		pl_sb_printf(b, "  sensitivity: colocation loses even with no interference (it would "
			     "need x%.3f): its other terms decide\n", f);
}

char *plan_explain_why(const struct plan_problem *pb, struct mo_err *err)
{
	struct pl_cands c = {0};
	struct plan_estimate et = {0}, es = {0};
	struct pl_sbuf b = {0};
	struct terms t, s;
	int ti, si, rc = pl_mosaic_candidates(pb, 0, &c, err);

	if (rc)
		return NULL;
	ti = best_of(&c, 0);
	si = best_of(&c, 1);
	pl_sb_printf(&b, "why (mosaic's candidates at microbatch %d, predicted by the cost model):\n",
		     pb->microbatch_size);
	if (si < 0) {
		pl_sb_printf(&b, "  no colocated candidate: none fits in memory or in the SM partitions\n");
	} else if (ti < 0) {
		pl_sb_printf(&b, "  no temporal-only candidate fits: only colocated plans do\n");
	} else if ((rc = plan_estimate(pb, c.v[ti].p, &et, err)) == 0 &&
		   (rc = plan_estimate(pb, c.v[si].p, &es, err)) == 0) {
		terms_of(&et, &t);
		terms_of(&es, &s);
		pl_sb_printf(&b, "  best temporal-only: %s's plan, %.3f ms\n", c.v[ti].origin, t.iter);
		pl_sb_printf(&b, "  best colocated: %s's plan, %.3f ms (%+.1f%%)\n", c.v[si].origin, s.iter,
			     t.iter > 0 ? (s.iter / t.iter - 1) * 100 : 0);
		describe_colocation(&b, c.v[si].p);
		compare(&b, pb, &t, &s);
	}
	plan_estimate_release(&et);
	plan_estimate_release(&es);
	pl_cands_release(&c);
	if (rc || b.oom) {
		free(b.s);
		if (!rc)
			mo_err_set(err, MO_ENOMEM, "plan: out of memory");
		return NULL;
	}
	return b.s;
}

/*
 * validate-meas.h - `mosaic validate --measurements`: the command, the
 * predictor of named models it gives model_meas_evaluate(), and the files
 * it writes with -o DIR.
 */
#ifndef MOSAIC_HARNESS_VALIDATE_MEAS_H
#define MOSAIC_HARNESS_VALIDATE_MEAS_H

#include "model/model.h"

/* The command (cmd_validate hands over when --measurements is given). */
int cmd_validate_measurements(int argc, char **argv);

/*
 * A model_meas_model_fn for the named models workloads/ can synthesise:
 * resnet50, resnet101, resnet152 (torchvision bottleneck ResNets, image
 * default 224) and bert-large, bert-base (post-norm encoders with BERT's
 * embeddings; seq default 384 for bert-large, the MLPerf SQuAD length, none
 * for bert-base: the row must give seq).  The item's time is the sum of
 * model_kernel_ns_shared(gpu, k, gpu->sms, sms, procs) (one of procs
 * processes sharing the sms SMs; procs 1: model_kernel_ns_at_quota) over
 * the kernels workload_kernels() synthesises for one batch (infer:
 * forward; train: forward, backward, optimizer), kernels back to back.  Other names, fp8 and a missing seq fail with the
 * reason (the row is skipped).  A row with a launch mode issues each kernel
 * from one host thread at workload_host_record_ns, on the host ctx names:
 * NULL, the default (MODEL_HOST_CPU_DEFAULT, what the simulator, planner and
 * synth use unless a workload names another), or a struct
 * validate_host_choice.
 */
struct validate_host_choice {
	int per_gpu; /* 1: each GPU's own traces' host (model_host_cpu_of_gpu),
	                validate's sensitivity row; 0: the default */
};
int validate_model_predict(void *ctx, const struct model_meas *m, const struct model_gpu *gpu,
			   int sms, int procs, double *ns, struct mo_err *err);

/*
 * The sensitivity row for the host CPU: the same rows predicted on the
 * default host (def: ctx NULL, what the tables print) and on each GPU's own
 * traces' host (own: per_gpu 1), for all rows, the reduced-quota rows (not
 * the whole GPU) and each GPU.  0, or -MO_ENOMEM.
 */
#define VALIDATE_SENS_ROWS 10
struct validate_sens_row {
	char rows[32]; /* "all", "reduced quota", or a GPU's short name */
	struct model_meas_stats def_abs, def_slow, own_abs, own_slow;
};
struct validate_sens {
	struct validate_sens_row row[VALIDATE_SENS_ROWS];
	int n;
};
int validate_sens_compute(const struct model_meas_report *def, const struct model_meas_report *own,
			  struct validate_sens *out);

/*
 * Write into dir (created if missing): rows.csv (one line per evaluated row,
 * units in the header), groups.csv (the tables), skipped.csv, the CDF data,
 * and three figures drawn by gnuplot through harness/plot:
 * predicted_vs_measured (log-log, one point set per mechanism, y = x),
 * error_cdf and slowdown_error_cdf (CDF of |error| by mechanism; the latter
 * only when some row has a slowdown).  Files are written atomically; with
 * no evaluated row only the CSV files are written.
 */
int validate_meas_write(const char *dir, const struct model_meas_set *s,
			const struct model_meas_report *r, struct mo_err *err);

#endif

/*
 * cli.h - what the mosaic subcommands share: the command table and the
 * helpers that turn library statuses into messages and exit codes.
 *
 * Each subcommand lives in harness/cmd-<verb>.c as
 *     int cmd_<verb>(int argc, char **argv);
 * (argv[0] is the verb) and is registered once in MOSAIC_COMMANDS below.
 * Exit codes are enum mo_exit (traces/traces.h): 0 ok, 1 ran but found
 * problems, 2 bad usage or bad input, 3 a system failure.  The dispatcher
 * (harness/mosaic.c) flushes and checks stdout after the command returns.
 */
#ifndef MOSAIC_HARNESS_CLI_H
#define MOSAIC_HARNESS_CLI_H

#include "traces/traces.h"
#include "workloads/workloads.h"

/* X(verb, one-line summary) in the order `mosaic help` lists them. */
#define MOSAIC_COMMANDS(X)                                                       \
	X(import, "convert a Kineto / Chrome trace (JSON, plain or gzip) to .mtr") \
	X(inspect, "summarise or validate a trace (.mtr or Kineto)")              \
	X(export, "export a trace for ui.perfetto.dev")                              \
	X(replay, "re-run a trace on the simulator; compare simulated and measured spans") \
	X(run, "run one training iteration of a plan on the simulated cluster")                  \
	X(model, "query the performance model: gpus, kernel time, calibration, scaling curves") \
	X(validate, "check performance-model predictions against traces at other quotas or co-run") \
	X(workload, "show a workload spec: modules, parameters, FLOPs per sample, memory") \
	X(synth, "synthesise one training iteration of a workload on one GPU (simulated trace)") \
	X(plan, "plan a workload on N GPUs (temporal-only baselines or temporal-spatial mosaic)") \
	X(bench, "the evaluation: plan and simulate every bundled workload (Fig. 9-14), report and plots") \
	X(regress, "re-run the bench suite and compare with a committed reference") \
	X(plot, "re-render the plots of a results directory from its CSV files") \
	X(record, "run a CUDA program under the CUPTI recorder; write a measured trace") \
	X(profile, "on a GPU, time each module under SM quotas (green contexts) for scaling curves")

#define X(verb, summary) int cmd_##verb(int argc, char **argv);
MOSAIC_COMMANDS(X)
#undef X
/* `mosaic workload from-trace` (harness/cmd-workload-trace.c); argv[0] is "from-trace". */
int cmd_workload_from_trace(int argc, char **argv);

/* Print "mosaic <verb>: <message>" to stderr; return the exit code for err. */
int cli_fail(const char *verb, const struct mo_err *err);
/* Print a usage error for verb to stderr and return 2. */
int cli_usage_error(const char *verb, const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * The one reader of numbers on the command line (options and environment):
 * a decimal integer (or a finite real) in [min, max], nothing after it, no
 * overflow and no silent truncation ("4294967297" is refused where an int is
 * meant, never read as 1).  Returns 0, or -MO_EUSAGE with err saying
 *   bad --gpus '4294967297': expected an integer from 1 to 4096
 * (`what` names the option).
 */
/* The most SMs an --sms option accepts (no GPU has more than 160: B200 148). */
#define CLI_MAX_SMS 1024
int cli_int(const char *what, const char *arg, long long min, long long max, long long *out,
	    struct mo_err *err);
int cli_real(const char *what, const char *arg, double min, double max, double *out,
	     struct mo_err *err);

/*
 * Load a workload spec named on the command line: a file path, or, when no
 * such file exists, the name of a bundled spec ("clip", "qwen3-vl", ...; see
 * harness/bundled.h).  Errors list the bundled names.
 */
int cli_workload_load(const char *arg, struct workload **out, struct mo_err *err);
/* Print the workload's warnings (workload.h) to stderr, one line each:
 * "mosaic VERB: warning: workload 'w': ...". */
void cli_workload_warnings(const char *verb, const struct workload *w);
/* --profiles LIST (comma-separated traces of modules at several SM quotas):
 * each module of w held by two or more of them gets its measured scaling
 * (harness/profiles.c); desc (cap bytes) says which.  -MO_EINPUT when none. */
int cli_profiles_apply(struct workload *w, const struct model_gpu *gpu, const char *list,
		       char *desc, size_t cap, struct mo_err *err);
/* Does cli_workload_load read arg as a file (1) or as a bundled name (0)? */
int cli_workload_is_file(const char *arg);

#endif

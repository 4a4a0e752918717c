/*
 * cli.h - what the mosaic subcommands share: the command table and the
 * helpers that turn library statuses into messages and exit codes.
 *
 * Each subcommand lives in harness/cmd-<verb>.c as
 *     int cmd_<verb>(int argc, char **argv);
 * (argv[0] is the verb) and is registered once in MOSAIC_COMMANDS below.
 * Exit codes are enum mo_exit (traces/traces.h): 0 ok, 1 ran but found
 * problems, 2 bad usage or bad input, 3 a system failure.  The dispatcher
 * (harness/mosaic.c) flushes and checks stdout after the command returns,
 * and runs `mosaic help <verb>` as `mosaic <verb> --help`.
 *
 * Conventions every command keeps (tests/e2e/cli.sh checks them for each
 * command of the table and each form of `model` and `workload`): options
 * parsed with cli_getopt(); -h/--help prints the whole text on stdout and
 * exits 0; one line per error (cli_usage_error, cli_bad_option, cli_fail);
 * results on stdout, progress and notes on stderr; and the same spelling of
 * the options every command takes:
 *   --json           the result as JSON on stdout (one object or array);
 *   --quiet          no progress, notes or summary lines on stderr (errors
 *                    and warnings still);
 *   -o, --output P   the file or directory the command writes (commands
 *                    that write one), with --out accepted as an alias.
 */
#ifndef MOSAIC_HARNESS_CLI_H
#define MOSAIC_HARNESS_CLI_H

#include <getopt.h>

#include "traces/traces.h"
#include "workloads/workloads.h"

/* X(verb, one-line summary) in the order `mosaic help` lists them. */
#define MOSAIC_COMMANDS(X)                                                       \
	X(import, "convert a Kineto / Chrome trace (JSON, plain or gzip) to .mtr") \
	X(inspect, "summarise or validate a trace (.mtr or Kineto)")              \
	X(diff, "compare two traces or jobs: kernels, modules, classes, steps that changed") \
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
/* `mosaic model calibrate` (harness/cmd-model-calib.c); argv[0] is "calibrate". */
int cmd_model_calibrate(int argc, char **argv);

/* Print "mosaic <verb>: <message>" to stderr; return the exit code for err. */
int cli_fail(const char *verb, const struct mo_err *err);
/*
 * Usage errors, one line each: "mosaic <verb>: <message>; see 'mosaic <verb>
 * --help'" on stderr; returns MO_EXIT_USAGE (2).
 */
int cli_usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The one option parser of the subcommands: getopt_long() (with optind set
 * to 1 by the caller, as before) that prints nothing.  On an unknown option
 * or a missing value it returns '?' and keeps what was wrong
 * ("unknown option '--x'", "option '--gpus' needs a value") for
 * cli_getopt_error(); cli_bad_option(verb) prints that as the command's one
 * usage error and returns 2, so a command's switch ends with
 *     default: return cli_bad_option("verb");
 */
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);
/*
 * The long options of the convention above, for a command's option table:
 * CLI_OPTS_OUTPUT gives -o's two spellings (its short option "o:" goes into
 * the command's shortopts); --json and --quiet return CLI_OPT_JSON and
 * CLI_OPT_QUIET (values no short option uses) where a command has no letter
 * for them yet.
 */
#define CLI_OPTS_OUTPUT {"output", required_argument, NULL, 'o'}, {"out", required_argument, NULL, 'o'}
enum { CLI_OPT_JSON = 0x100, CLI_OPT_QUIET };
/* What the convention's options asked for; cli_common_option() takes c (a
 * cli_getopt() answer) into co when it is one of them ('o', CLI_OPT_JSON,
 * CLI_OPT_QUIET) and returns 1, else returns 0 and leaves co alone. */
struct cli_common {
	const char *output;
	int json, quiet;
};
int cli_common_option(int c, struct cli_common *co);
/* --json's output: o (a jansson value; NULL prints null) on stdout, indented
 * by two, then a newline; o is released. */
struct json_t;
void cli_json_print(struct json_t *o);
const char *cli_getopt_error(void);
int cli_bad_option(const char *verb);
/*
 * The end of a command's option switch, for what every command does alike:
 *     default:
 *         if ((rc = cli_last_option(VERB, c, usage)) >= 0)
 *             return rc;
 *         break;
 * 'h' (--help) prints "usage: <usage>" on stdout and answers 0 (a command
 * with a help function of its own catches 'h' before); 'G' (--gpu-file FILE,
 * the same letter in every command) adds the file's GPUs to the model's
 * registry (model_gpu_load_file), answering cli_fail()'s code if it cannot;
 * CLI_OPT_QUIET is taken where the command prints nothing to quiet; anything
 * else is cli_bad_option(verb).  Answers -1 when parsing goes on.
 */
int cli_last_option(const char *verb, int c, const char *usage);

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
 * (harness/profiles.c); desc (cap bytes) says which.  -MO_EINPUT when none
 * and `required` (else 0, desc ""). */
int cli_profiles_apply(struct workload *w, const struct model_gpu *gpu, const char *list,
		       char *desc, size_t cap, int required, struct mo_err *err);
/* Load the traces of a --profiles LIST ("a.mtr,b.mtr", at most
 * MODEL_CURVE_MAX) into t[0..*n) (each trace_mem_init'ed; the caller
 * releases them, also after a failure). */
int cli_profiles_load(const char *list, struct trace_mem *t, int *n, struct mo_err *err);
/* --calibration FILE (model.h, struct model_calibration): each module of w
 * the file has a curve for gets it as its measured scaling (refused when the
 * file's GPU is not gpu); a GEMM fit for gpu goes into *tuned, a copy of
 * gpu, and *use points at it (else at gpu; tuned NULL: the fit is not used);
 * desc (cap bytes) says what was used.  -MO_EINPUT when the file is bad (the
 * message names the file and the JSON path), or when nothing applies and
 * `required`. */
int cli_calibration_apply(struct workload *w, const struct model_gpu *gpu, const char *path,
			  struct model_gpu *tuned, const struct model_gpu **use, char *desc,
			  size_t cap, int required, struct mo_err *err);
/*
 * The user's measurements for planning (harness/measurements.c): paths as
 * given on the command line (NULL: none).  cli_measurements_apply() puts
 * them into w for planning on gpu: --profiles (cli_profiles_apply), then
 * --calibration (cli_calibration_apply; *use becomes &m->tuned when the
 * file has a GEMM fit for gpu, else gpu), then --matrix (model_im_load;
 * refused when measured on another GPU or when fewer than two of its modules
 * are w's; w->matrix points at m->mx, so m must outlive w's planning).
 * desc says what was used, for the plan's "measurements".  -MO_EINPUT on a
 * bad file (the message names it and where).
 */
struct cli_measurements {
	const char *profiles, *calibration, *matrix;
	struct model_interference_matrix mx;
	struct model_gpu tuned;
	char desc[1200];
};
int cli_measurements_any(const struct cli_measurements *m);
int cli_measurements_apply(struct cli_measurements *m, struct workload *w,
			   const struct model_gpu *gpu, const struct model_gpu **use, struct mo_err *err);
/* Does cli_workload_load read arg as a file (1) or as a bundled name (0)? */
int cli_workload_is_file(const char *arg);

#endif

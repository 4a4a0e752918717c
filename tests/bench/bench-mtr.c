/*
 * bench-mtr.c - speed of the .mtr writer and reader (measured on this
 * machine, one core): N million kernel records written, read back, and read
 * through the summary that `mosaic inspect` uses.  Each phase runs in its own
 * child process so its peak RSS is its own.
 *
 *   bench-mtr [MILLIONS]      (default 2; also $BENCH_MTR_MILLIONS)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "traces/traces.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long peak_rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* CPU seconds this process used (user + system): on a loaded machine the
 * wall clock overstates the cost, so both are printed. */
static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static long long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static int do_write(const char *path, long n)
{
	static const char *const names[] = {
		"sm90_xmma_gemm_bf16bf16_bf16f32_f32_tn_n_tilesize128x128x64_warpgroupsize1x1x1",
		"void at::native::vectorized_elementwise_kernel<4, at::native::CUDAFunctor_add<c10::BFloat16>>",
		"flash_fwd_kernel<Flash_fwd_kernel_traits<128, 128, 64, 4, false, false, cutlass::bfloat16_t>>",
		"void at::native::reduce_kernel<512, 1, at::native::ReduceOp<float, at::native::MeanOps<float, float>>>",
		"ncclDevKernel_AllReduce_Sum_bf16_RING_LL",
		"void layer_norm_kernel<c10::BFloat16, float>",
	};
	struct mo_err err = {0};
	struct trace_header h;
	struct trace_record rec;
	struct trace_writer *w;
	int64_t t = (int64_t)1 << 60;
	double t0, c0 = cpu_s();

	trace_header_init(&h);
	h.producer = "bench-mtr";
	h.source = TRACE_SOURCE_SIMULATED;
	h.gpu_name = "NVIDIA H100 80GB HBM3";
	h.gpu_sms = 132;
	t0 = now();
	w = trace_writer_open(path, &h, &err);
	if (!w)
		goto fail;
	for (long i = 0; i < n; i++) {
		trace_record_init(&rec, TRACE_KIND_KERNEL);
		rec.u.kernel.start_ns = t;
		rec.u.kernel.end_ns = t + 1000 + (i % 977) * 37;
		t = rec.u.kernel.end_ns + 150;
		rec.u.kernel.device = 0;
		rec.u.kernel.stream = 7 + (i % 2);
		rec.u.kernel.module = i % 3;
		rec.u.kernel.phase = i % 2;
		rec.u.kernel.microbatch = (i / 1000) % 8;
		rec.u.kernel.step = i / 100000;
		rec.u.kernel.correlation = i;
		rec.u.kernel.grid_x = 132 * (1 + i % 4), rec.u.kernel.grid_y = 1, rec.u.kernel.grid_z = 1;
		rec.u.kernel.block_x = 256, rec.u.kernel.block_y = 1, rec.u.kernel.block_z = 1;
		rec.u.kernel.registers = 128;
		rec.u.kernel.static_smem = 0;
		rec.u.kernel.dynamic_smem = 49152;
		rec.u.kernel.kclass = 1 + i % 5;
		rec.u.kernel.name = names[i % 6];
		if (trace_writer_put(w, &rec, &err) < 0)
			goto fail;
	}
	if (trace_writer_close(w, &err) < 0)
		goto fail;
	{
		double dt = now() - t0, dc = cpu_s() - c0;
		long long bytes = file_size(path);
		printf("write:   %ld records, %.1f bytes/record: wall %.2f s (%.2f M records/s, "
		       "%.1f MB/s), cpu %.2f s (%.2f M records/s, %.1f MB/s); peak RSS %ld KiB "
		       "(measured)\n",
		       n, (double)bytes / (double)n, dt, (double)n / dt / 1e6, (double)bytes / dt / 1e6,
		       dc, (double)n / dc / 1e6, (double)bytes / dc / 1e6, peak_rss_kb());
	}
	return 0;
fail:
	fprintf(stderr, "bench-mtr: %s\n", err.msg);
	return 1;
}

static int do_read(const char *path, long n, int summarise)
{
	struct mo_err err = {0};
	struct trace_reader *r;
	struct trace_record rec;
	struct trace_summary *s = NULL;
	long got = 0;
	int64_t sum = 0;
	double t0 = now(), c0 = cpu_s(), dt, dc;
	int rc;

	r = trace_reader_open(path, &err);
	if (!r)
		goto fail;
	if (summarise) {
		s = trace_summary_new(1);
		trace_summary_header(s, trace_reader_header(r), &err);
	}
	while ((rc = trace_reader_next(r, &rec, &err)) > 0) {
		got++;
		sum += rec.u.kernel.end_ns - rec.u.kernel.start_ns;
		if (s && trace_summary_add(s, &rec, &err) < 0)
			goto fail;
	}
	if (rc < 0)
		goto fail;
	if (s)
		trace_summary_finish(s);
	dt = now() - t0;
	dc = cpu_s() - c0;
	if (got != n) {
		fprintf(stderr, "bench-mtr: read %ld records, wrote %ld\n", got, n);
		return 1;
	}
	printf("%s %ld records: wall %.2f s (%.2f M records/s, %.1f MB/s), cpu %.2f s "
	       "(%.2f M records/s, %.1f MB/s); peak RSS %ld KiB (measured%s)\n",
	       summarise ? "summary:" : "read:   ", got, dt, (double)got / dt / 1e6,
	       (double)file_size(path) / dt / 1e6, dc, (double)got / dc / 1e6,
	       (double)file_size(path) / dc / 1e6, peak_rss_kb(),
	       s ? "; summary and validation" : "");
	if (sum <= 0)
		return 1;
	trace_summary_free(s);
	trace_reader_free(r);
	return 0;
fail:
	fprintf(stderr, "bench-mtr: %s\n", err.msg);
	return 1;
}

static int in_child(int (*fn)(const char *, long, int), const char *path, long n, int arg)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int rc = fn(path, n, arg);
		fflush(stdout);
		_exit(rc);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int write_fn(const char *path, long n, int arg)
{
	(void)arg;
	return do_write(path, n);
}

int main(int argc, char **argv)
{
	const char *env = getenv("BENCH_MTR_MILLIONS");
	double millions = argc > 1 ? atof(argv[1]) : env ? atof(env) : 2.0;
	long n = (long)(millions * 1e6);
	char path[256];
	int rc;

	if (n <= 0) {
		fprintf(stderr, "usage: bench-mtr [MILLIONS]\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/bench-mtr.%ld.mtr", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
		 (long)getpid());
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("bench-mtr: %ld kernel records through '%s' (times below are measured)\n", n, path);
	rc = in_child(write_fn, path, n, 0);
	if (!rc)
		rc = in_child(do_read, path, n, 0);
	if (!rc)
		rc = in_child(do_read, path, n, 1);
	remove(path);
	return rc;
}

/*
 * replay-files.h - the external Kineto/Chrome traces (paths below
 * ../shared/external-traces or $MOSAIC_EXTERNAL_TRACES; SOURCES.md there
 * says where each came from) whose replay is checked against its measured
 * span: by test-engine (a bound) and bench-engine (the figures).  Optional
 * data: a run without them says SKIP.
 */
#ifndef MOSAIC_TESTS_REPLAY_FILES_H
#define MOSAIC_TESTS_REPLAY_FILES_H

static const char *const test_replay_files[] = {
	"holistic-trace-analysis/critical_path/alexnet/benchmark_result_2869224_1695835535_trace.json.gz",
	"holistic-trace-analysis/nccl_parser_config/nccl_data.json.gz",
	"holistic-trace-analysis/ns_resolution_trace/rank-0.Apr_03_18_51_38.1102.pt.trace.json.gz",
	"kineto-tb-plugin/resnet50_num_workers_0/worker0.1623143089861.pt.trace.json.gz",
	"tracelens/h100/Falconsai_nsfw_image_detection__1016002.json.gz",
	"tracelens/h100/Qwen_Qwen1.5-0.5B-Chat__1016005.json.gz",
	"tracelens/h100/gaunernst_bert-small-uncased__1016001.json.gz",
	"tracelens/h100/google_owlv2-large-patch14-ensemble__1016001.json.gz",
	"triosim/profiler_vgg13-iter41.json",
};

#endif

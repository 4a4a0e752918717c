/* ctl.c - control messages between ranks: framing and fixed payloads. */
#include "engine/cuda/engine-cuda.h"

#include <string.h>
#include <zlib.h>

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t get32(const uint8_t *p)
{
	uint32_t v = 0;
	for (int i = 3; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}
static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t crc_of(const void *p, size_t n)
{
	uLong c = crc32(0L, Z_NULL, 0);
	const Bytef *b = p;

	while (n > 0) { /* crc32 takes a uInt length */
		uInt chunk = n > 0x40000000u ? 0x40000000u : (uInt)n;
		c = crc32(c, b, chunk);
		b += chunk;
		n -= chunk;
	}
	return (uint32_t)c;
}

int engine_cuda_msg_pack(int type, int rank, const void *payload, size_t plen, uint8_t *buf,
			 size_t cap, size_t *len, struct mo_err *err)
{
	if (plen > 0xffffffffu)
		return mo_err_set(err, MO_EUSAGE, "message payload of %zu bytes too large", plen);
	if (cap < ENGINE_CUDA_MSG_HEADER + plen)
		return mo_err_set(err, MO_EUSAGE, "message of %zu bytes does not fit %zu",
				  ENGINE_CUDA_MSG_HEADER + plen, cap);
	memcpy(buf, "MOSC", 4);
	put16(buf + 4, ENGINE_CUDA_MSG_VERSION);
	put16(buf + 6, (uint32_t)type);
	put32(buf + 8, (uint32_t)rank);
	put32(buf + 12, (uint32_t)plen);
	put32(buf + 16, crc_of(payload, plen));
	if (plen)
		memcpy(buf + ENGINE_CUDA_MSG_HEADER, payload, plen);
	*len = ENGINE_CUDA_MSG_HEADER + plen;
	return 0;
}

int engine_cuda_msg_unpack(const uint8_t *buf, size_t len, int want_type, int *rank,
			   const uint8_t **payload, size_t *plen, struct mo_err *err)
{
	uint32_t n, v, t;

	if (len < ENGINE_CUDA_MSG_HEADER)
		return mo_err_set(err, MO_EINPUT, "offset %zu: truncated message header", len);
	if (memcmp(buf, "MOSC", 4))
		return mo_err_set(err, MO_EINPUT, "offset 0: not a mosaic control message");
	v = get16(buf + 4);
	if (v != ENGINE_CUDA_MSG_VERSION)
		return mo_err_set(err, MO_EVERSION, "offset 4: message version %u, expected %u", v,
				  ENGINE_CUDA_MSG_VERSION);
	t = get16(buf + 6);
	if (want_type && t != (uint32_t)want_type)
		return mo_err_set(err, MO_EINPUT, "offset 6: message type %u, expected %d", t,
				  want_type);
	n = get32(buf + 12);
	if ((size_t)n != len - ENGINE_CUDA_MSG_HEADER)
		return mo_err_set(err, MO_EINPUT, "offset 12: payload length %u, message holds %zu", n,
				  len - ENGINE_CUDA_MSG_HEADER);
	if (get32(buf + 16) != crc_of(buf + ENGINE_CUDA_MSG_HEADER, n))
		return mo_err_set(err, MO_EINPUT, "offset 16: payload checksum mismatch");
	if (rank)
		*rank = (int32_t)get32(buf + 8);
	*payload = buf + ENGINE_CUDA_MSG_HEADER;
	*plen = n;
	return 0;
}

void engine_cuda_start_encode(const struct engine_cuda_start *s, uint8_t out[ENGINE_CUDA_START_BYTES])
{
	put32(out, (uint32_t)s->iterations);
	put32(out + 4, (uint32_t)s->warmup);
	put32(out + 8, (uint32_t)s->n_ranks);
	put64(out + 12, (uint64_t)s->plan_crc);
}

int engine_cuda_start_decode(const uint8_t *in, size_t len, struct engine_cuda_start *s,
			     struct mo_err *err)
{
	if (len != ENGINE_CUDA_START_BYTES)
		return mo_err_set(err, MO_EINPUT, "start message of %zu bytes, expected %d", len,
				  ENGINE_CUDA_START_BYTES);
	s->iterations = (int32_t)get32(in);
	s->warmup = (int32_t)get32(in + 4);
	s->n_ranks = (int32_t)get32(in + 8);
	s->plan_crc = (int64_t)get64(in + 12);
	if (s->iterations < 1 || s->warmup < 0 || s->n_ranks < 1)
		return mo_err_set(err, MO_EINPUT, "start message: %d iterations, %d warm-up, %d ranks",
				  s->iterations, s->warmup, s->n_ranks);
	return 0;
}

void engine_cuda_timing_encode(const struct engine_cuda_timing *t,
			       uint8_t out[ENGINE_CUDA_TIMING_BYTES])
{
	put32(out, (uint32_t)t->rank);
	put32(out + 4, (uint32_t)t->iteration);
	put64(out + 8, (uint64_t)t->start_ns);
	put64(out + 16, (uint64_t)t->end_ns);
	put64(out + 24, (uint64_t)t->busy_ns);
	put32(out + 32, (uint32_t)t->kernels);
	put32(out + 36, 0);
}

int engine_cuda_timing_decode(const uint8_t *in, size_t len, struct engine_cuda_timing *t,
			      struct mo_err *err)
{
	if (len != ENGINE_CUDA_TIMING_BYTES)
		return mo_err_set(err, MO_EINPUT, "timing message of %zu bytes, expected %d", len,
				  ENGINE_CUDA_TIMING_BYTES);
	t->rank = (int32_t)get32(in);
	t->iteration = (int32_t)get32(in + 4);
	t->start_ns = (int64_t)get64(in + 8);
	t->end_ns = (int64_t)get64(in + 16);
	t->busy_ns = (int64_t)get64(in + 24);
	t->kernels = (int32_t)get32(in + 32);
	if (t->rank < 0 || t->iteration < 0 || t->end_ns < t->start_ns || t->busy_ns < 0 ||
	    t->kernels < 0)
		return mo_err_set(err, MO_EINPUT, "timing message of rank %d: inconsistent fields",
				  t->rank);
	return 0;
}

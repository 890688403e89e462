/* SPDX-License-Identifier: GPL-2.0 */
/* The hash that picks a flow's Maglev slot, shared by the BPF programs (new flows) and the C++
 * side (`sluice explain`: which backend a flow would get). One definition, so the two can never
 * disagree. Plain C; the inputs are ABI types as they sit in the packet (network byte order). */
#ifndef SLUICE_EBPF_FLOW_HASH_H
#define SLUICE_EBPF_FLOW_HASH_H

#include "sluice/ebpf/abi.h"

#define SL_FLOW_HASH_INLINE static inline __attribute__((always_inline))

SL_FLOW_HASH_INLINE __u32 lb_mix32(__u32 h)
{
	h ^= h >> 16;
	h *= 0x7feb352d;
	h ^= h >> 15;
	h *= 0x846ca68b;
	h ^= h >> 16;
	return h;
}

/* Hash of a flow's identity, the same for every packet of the flow. */
SL_FLOW_HASH_INLINE __u32 lb_flow_hash(const union sl_addr *src, const union sl_addr *dst,
				       __be16 sport, __be16 dport, __u8 proto)
{
	__u32 h = 0x9e3779b9 ^ proto;
	__u32 high = sport;
	__u32 low = dport;

#if defined(__clang__)
#pragma unroll
#endif
	for (int i = 0; i < 4; i++) {
		h = lb_mix32(h ^ src->v6[i]);
		h = lb_mix32(h ^ dst->v6[i]);
	}
	return lb_mix32(h ^ ((high << 16) | low));
}

#endif

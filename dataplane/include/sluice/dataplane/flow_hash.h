/* SPDX-License-Identifier: GPL-2.0 */
/* The hash that picks a new flow's Maglev slot (slot = hash % table size), shared by every data
 * plane: the BPF programs (ebpf/bpf/lb.h), the DPDK plane (dataplane/lb) and the C++ side of
 * `sluice explain`. One definition, so a flow gets the same backend whichever plane sees it.
 * Plain C. Addresses are four 32-bit words as they sit in the packet (IPv4: the address in the
 * first word, the rest zero); ports in network byte order. */
#ifndef SLUICE_DATAPLANE_FLOW_HASH_H
#define SLUICE_DATAPLANE_FLOW_HASH_H

#include <linux/types.h>

#define SL_FLOW_HASH_INLINE static inline __attribute__((always_inline))

SL_FLOW_HASH_INLINE __u32 sl_flow_mix32(__u32 h)
{
	h ^= h >> 16;
	h *= 0x7feb352d;
	h ^= h >> 15;
	h *= 0x846ca68b;
	h ^= h >> 16;
	return h;
}

/* Hash of a flow's identity, the same for every packet of the flow. */
SL_FLOW_HASH_INLINE __u32 sl_flow_hash(const __u32 *src, const __u32 *dst, __be16 sport,
				       __be16 dport, __u8 proto)
{
	__u32 h = 0x9e3779b9 ^ proto;
	__u32 high = sport;
	__u32 low = dport;

#if defined(__clang__)
#pragma unroll
#endif
	for (int i = 0; i < 4; i++) {
		h = sl_flow_mix32(h ^ src[i]);
		h = sl_flow_mix32(h ^ dst[i]);
	}
	return sl_flow_mix32(h ^ ((high << 16) | low));
}

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* The flow hash (dataplane/include/sluice/dataplane/flow_hash.h, shared by every data plane) over
 * the eBPF ABI's address type: what the BPF programs (new flows) and `sluice explain` call. */
#ifndef SLUICE_EBPF_FLOW_HASH_H
#define SLUICE_EBPF_FLOW_HASH_H

#include "sluice/dataplane/flow_hash.h"
#include "sluice/ebpf/abi.h"

SL_FLOW_HASH_INLINE __u32 lb_flow_hash(const union sl_addr *src, const union sl_addr *dst,
				       __be16 sport, __be16 dport, __u8 proto)
{
	return sl_flow_hash(src->v6, dst->v6, sport, dport, proto);
}

#endif

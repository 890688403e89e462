/* SPDX-License-Identifier: GPL-2.0 */
/* Hairpin: a pod connects to a service and Maglev picks the pod itself. Routed normally, the
 * packet would come back into the pod with the pod's own address as source — a martian it drops
 * — and the answer would never leave the pod. So such a flow is also source-NATed to the hairpin
 * address (abi.h) and sent straight back into the pod (MACs swapped, redirected to the veth's
 * egress); the pod answers the hairpin address through its default route, and that answer is
 * translated back (source: the frontend, destination: the pod) and sent back in the same way.
 * The socket hooks need none of this: a connect() to oneself goes over loopback. */
#ifndef SLUICE_BPF_HAIRPIN_H
#define SLUICE_BPF_HAIRPIN_H

#include "common.h"

SL_INLINE void hairpin_addr(__u8 family, union sl_addr *out)
{
	__builtin_memset(out, 0, sizeof(*out));
	if (family == SL_FAMILY_IPV4) {
		out->v4 = bpf_htonl(SL_HAIRPIN_V4_HOST);
	} else {
		out->v6[0] = bpf_htonl(SL_HAIRPIN_V6_WORD0_HOST);
		out->v6[3] = bpf_htonl(SL_HAIRPIN_V6_WORD3_HOST);
	}
}

SL_INLINE int is_hairpin_addr(const union sl_addr *addr, __u8 family)
{
	union sl_addr hairpin;

	hairpin_addr(family, &hairpin);
	return sl_addr_equal(addr, &hairpin);
}

/* Turns the frame around: back out of the interface it came in on, towards its sender. */
SL_INLINE int hairpin_send_back(struct __sk_buff *skb)
{
	struct ethhdr eth;
	__u8 tmp[ETH_ALEN];

	if (bpf_skb_load_bytes(skb, 0, &eth, sizeof(eth)))
		return TC_ACT_SHOT;
	__builtin_memcpy(tmp, eth.h_dest, ETH_ALEN);
	__builtin_memcpy(eth.h_dest, eth.h_source, ETH_ALEN);
	__builtin_memcpy(eth.h_source, tmp, ETH_ALEN);
	if (bpf_skb_store_bytes(skb, 0, &eth, sizeof(eth), 0))
		return TC_ACT_SHOT;
	return bpf_redirect(skb->ifindex, 0);
}

#endif

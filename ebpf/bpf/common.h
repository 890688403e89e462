/* SPDX-License-Identifier: GPL-2.0 */
/* What every Sluice BPF program includes: kernel UAPI headers, libbpf helpers, the shared ABI,
 * and the few macros the data path uses. */
#ifndef SLUICE_BPF_COMMON_H
#define SLUICE_BPF_COMMON_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/icmpv6.h>
#include <linux/pkt_cls.h>

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "sluice/ebpf/abi.h"

#define SL_INLINE static __always_inline

/* <linux/icmp.h> drags in libc headers through <linux/if.h>; the little we need is here. */
struct icmphdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	union {
		struct {
			__be16 id;
			__be16 sequence;
		} echo;
		__be32 gateway;
		struct {
			__be16 __unused;
			__be16 mtu;
		} frag;
	} un;
};

#define ICMP_ECHOREPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_ECHO 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PORT_UNREACH 3
#define ICMP_FRAG_NEEDED 4

#ifndef NEXTHDR_HOP
#define NEXTHDR_HOP 0
#define NEXTHDR_ROUTING 43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_DEST 60
#define NEXTHDR_NONE 59
#endif

/* Address families for bpf_fib_lookup (<sys/socket.h> is not for BPF programs). */
#define SL_AF_INET 2
#define SL_AF_INET6 10

#define SL_IP_MF 0x2000
#define SL_IP_OFFSET 0x1fff

/* Folds a 32-bit one's complement sum (bpf_csum_diff's result) into a 16-bit checksum. */
SL_INLINE __u16 sl_csum_fold(__s64 sum)
{
	__u32 s = (__u32)sum;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

/* bpf_fib_lookup's question for a packet that will leave as src:sport → dst:dport. */
SL_INLINE void sl_fib_params(struct bpf_fib_lookup *fib, __u8 family, __u8 proto, __u32 ifindex,
			     __u16 l3_len, const union sl_addr *src, __be16 sport,
			     const union sl_addr *dst, __be16 dport)
{
	__builtin_memset(fib, 0, sizeof(*fib));
	fib->ifindex = ifindex;
	fib->l4_protocol = proto;
	fib->sport = sport;
	fib->dport = dport;
	if (family == SL_FAMILY_IPV4) {
		fib->family = SL_AF_INET;
		fib->tot_len = l3_len;
		fib->ipv4_src = src->v4;
		fib->ipv4_dst = dst->v4;
	} else {
		fib->family = SL_AF_INET6;
		__builtin_memcpy(fib->ipv6_src, src->v6, 16);
		__builtin_memcpy(fib->ipv6_dst, dst->v6, 16);
	}
}

SL_INLINE int sl_addr_equal(const union sl_addr *a, const union sl_addr *b)
{
	return a->v6[0] == b->v6[0] && a->v6[1] == b->v6[1] && a->v6[2] == b->v6[2] &&
	       a->v6[3] == b->v6[3];
}

/* Verdicts of the shared data-path functions; each program maps them to its own actions. */
enum sl_verdict {
	SL_PASS = 0,    /* not ours: let the kernel handle it untouched */
	SL_FORWARD = 1, /* rewritten (or accepted) — continue */
	SL_DROP = 2,    /* dropped; the reason was counted */
	SL_REJECT = 3,  /* answer the sender with a TCP RST / ICMP unreachable */
};

#endif

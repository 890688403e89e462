/* SPDX-License-Identifier: GPL-2.0 */
/* ICMP errors about a NATed flow (RFC 5508 §4.2 behaviour for our DNAT): an error on its way to
 * the client pod quotes the packet the client sent *after* DNAT (client → backend). The client
 * must see it about the packet it sent (client → frontend), or its socket never learns of the
 * error (PMTU, port unreachable, TTL exceeded). So: the quoted destination and port become the
 * frontend's, the outer source becomes the frontend's when the backend itself sent the error,
 * and every checksum stays right — the quoted IPv4 header checksum, the quoted TCP/UDP checksum
 * where the quote holds it, the outer IPv4 header checksum and the ICMP / ICMPv6 checksum
 * (whose IPv6 pseudo header includes the outer source). For flows source-NATed to a node, an
 * error arriving there about node:port → backend is turned back into one about client →
 * frontend, addressed to the client (icmp_error_to_snat_client). */
#ifndef SLUICE_BPF_ICMP_ERROR_H
#define SLUICE_BPF_ICMP_ERROR_H

#include <stddef.h>

#include "common.h"
#include "conntrack.h"
#include "maps.h"
#include "parse.h"

#define ICMP_PARAMETERPROB 12

/* The flow quoted by an ICMP error. */
struct sl_icmp_quote {
	union sl_addr src;
	union sl_addr dst;
	__be16 sport;
	__be16 dport;
	__u32 l3_off;
	__u32 l4_off;
	__u8 proto;
};

SL_INLINE int icmp_is_error(const struct sl_pkt *pkt)
{
	if (pkt->family == SL_FAMILY_IPV4)
		return pkt->proto == IPPROTO_ICMP &&
		       (pkt->icmp_type == ICMP_DEST_UNREACH || pkt->icmp_type == ICMP_TIME_EXCEEDED ||
			pkt->icmp_type == ICMP_PARAMETERPROB);
	return pkt->proto == IPPROTO_ICMPV6 && pkt->icmp_type >= ICMPV6_DEST_UNREACH &&
	       pkt->icmp_type <= ICMPV6_PARAMPROB;
}

/* 0 when the quote is a TCP/UDP packet whose ports are in the frame. */
SL_INLINE int icmp_read_quote(struct __sk_buff *skb, const struct sl_pkt *pkt,
			      struct sl_icmp_quote *q)
{
	__be16 ports[2];

	__builtin_memset(q, 0, sizeof(*q));
	q->l3_off = pkt->l4_off + 8;
	if (pkt->family == SL_FAMILY_IPV4) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, q->l3_off, &ip, sizeof(ip)))
			return -1;
		if (ip.version != 4 || ip.ihl < 5 || (ip.frag_off & bpf_htons(SL_IP_OFFSET)))
			return -1;
		q->proto = ip.protocol;
		q->src.v4 = ip.saddr;
		q->dst.v4 = ip.daddr;
		q->l4_off = q->l3_off + ip.ihl * 4;
	} else {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes(skb, q->l3_off, &ip6, sizeof(ip6)))
			return -1;
		if (ip6.version != 6)
			return -1;
		q->proto = ip6.nexthdr; /* a quote with extension headers is left alone */
		__builtin_memcpy(q->src.v6, &ip6.saddr, 16);
		__builtin_memcpy(q->dst.v6, &ip6.daddr, 16);
		q->l4_off = q->l3_off + sizeof(struct ipv6hdr);
	}
	if (q->proto != IPPROTO_TCP && q->proto != IPPROTO_UDP)
		return -1;
	if (bpf_skb_load_bytes(skb, q->l4_off, ports, sizeof(ports)))
		return -1;
	q->sport = ports[0];
	q->dport = ports[1];
	return 0;
}

SL_INLINE int load16(struct __sk_buff *skb, __u32 off, __u16 *out)
{
	return bpf_skb_load_bytes(skb, off, out, 2);
}

/* The conntrack key of the direction that answers the quoted packet (quote dst → quote src). */
SL_INLINE void icmp_quote_answer_key(struct sl_ct_key *key, const struct sl_icmp_quote *q,
				     __u8 family, __u8 dir)
{
	__builtin_memset(key, 0, sizeof(*key));
	key->src = q->dst;
	key->sport = q->dport;
	key->dst = q->src;
	key->dport = q->sport;
	key->proto = q->proto;
	key->family = family;
	key->dir = dir;
}

#define SL_ICMP_SRC 0
#define SL_ICMP_DST 1

/* Rewrites one side (SL_ICMP_SRC/DST) of the quoted packet — address and port — keeping the
 * quoted TCP/UDP checksum (where the quote holds it), the quoted IPv4 header checksum and the
 * ICMP checksum right. 0 or -1. */
SL_INLINE int icmp_quote_rewrite(struct __sk_buff *skb, const struct sl_pkt *pkt,
				 const struct sl_icmp_quote *q, int side, const union sl_addr *to,
				 __be16 to_port)
{
	__u32 icmp_csum = pkt->l4_off + offsetof(struct icmphdr, checksum);
	const union sl_addr *from = side == SL_ICMP_DST ? &q->dst : &q->src;
	__be16 from_port = side == SL_ICMP_DST ? q->dport : q->sport;
	__u32 l4_check = q->l4_off + (q->proto == IPPROTO_TCP ? offsetof(struct tcphdr, check)
							      : offsetof(struct udphdr, check));
	__s64 diff = bpf_csum_diff((__be32 *)from->v6, 16, (__be32 *)to->v6, 16, 0);
	__u16 before, after;

	/* The quoted L4 checksum covers the quoted addresses through its pseudo header. */
	if (l4_check + 2 <= skb->len && !load16(skb, l4_check, &before) &&
	    !(q->proto == IPPROTO_UDP && pkt->family == SL_FAMILY_IPV4 && before == 0)) {
		if (bpf_l4_csum_replace(skb, l4_check, 0, diff, 0) ||
		    bpf_l4_csum_replace(skb, l4_check, from_port, to_port, 2) ||
		    load16(skb, l4_check, &after) ||
		    bpf_l4_csum_replace(skb, icmp_csum, before, after, 2))
			return -1;
	}
	if (pkt->family == SL_FAMILY_IPV4) {
		__u32 check = q->l3_off + offsetof(struct iphdr, check);
		__u32 field = q->l3_off + (side == SL_ICMP_DST ? offsetof(struct iphdr, daddr)
							       : offsetof(struct iphdr, saddr));

		if (load16(skb, check, &before) ||
		    bpf_l3_csum_replace(skb, check, from->v4, to->v4, 4) ||
		    load16(skb, check, &after) ||
		    bpf_l4_csum_replace(skb, icmp_csum, before, after, 2) ||
		    bpf_l4_csum_replace(skb, icmp_csum, from->v4, to->v4, 4) ||
		    bpf_skb_store_bytes(skb, field, &to->v4, 4, 0))
			return -1;
	} else {
		__u32 field = q->l3_off + (side == SL_ICMP_DST ? offsetof(struct ipv6hdr, daddr)
							       : offsetof(struct ipv6hdr, saddr));

		if (bpf_l4_csum_replace(skb, icmp_csum, 0, diff, 0) ||
		    bpf_skb_store_bytes(skb, field, to->v6, 16, 0))
			return -1;
	}
	if (bpf_l4_csum_replace(skb, icmp_csum, from_port, to_port, 2) ||
	    bpf_skb_store_bytes(skb, q->l4_off + (side == SL_ICMP_DST ? 2 : 0), &to_port, 2, 0))
		return -1;
	return 0;
}

/* Rewrites the outer source or destination of the ICMP error (the IPv4 header checksum, or the
 * ICMPv6 checksum whose pseudo header holds it). 0 or -1. */
SL_INLINE int icmp_outer_rewrite(struct __sk_buff *skb, const struct sl_pkt *pkt, int side,
				 const union sl_addr *to)
{
	const union sl_addr *from = side == SL_ICMP_DST ? &pkt->dst : &pkt->src;

	if (pkt->family == SL_FAMILY_IPV4) {
		__u32 field = pkt->l3_off + (side == SL_ICMP_DST ? offsetof(struct iphdr, daddr)
								 : offsetof(struct iphdr, saddr));

		if (bpf_l3_csum_replace(skb, pkt->l3_off + offsetof(struct iphdr, check), from->v4,
					to->v4, 4) ||
		    bpf_skb_store_bytes(skb, field, &to->v4, 4, 0))
			return -1;
	} else {
		__u32 field = pkt->l3_off + (side == SL_ICMP_DST ? offsetof(struct ipv6hdr, daddr)
								 : offsetof(struct ipv6hdr, saddr));
		__s64 diff = bpf_csum_diff((__be32 *)from->v6, 16, (__be32 *)to->v6, 16, 0);

		if (bpf_l4_csum_replace(skb, pkt->l4_off + offsetof(struct icmphdr, checksum), 0,
					diff, BPF_F_PSEUDO_HDR) ||
		    bpf_skb_store_bytes(skb, field, to->v6, 16, 0))
			return -1;
	}
	return 0;
}

/* On the way to the client of a DNATed flow (a pod, or an external client): 0 (translated, or
 * not about a NATed flow) or SLUICE_DROP_NAT_FAILED. The quote is client → backend; its flow's
 * reply entry is backend → client and names the frontend. */
SL_INLINE int icmp_error_to_client(struct __sk_buff *skb, const struct sl_pkt *pkt)
{
	struct sl_icmp_quote q;
	struct sl_ct_key key;
	struct sl_ct_entry *reply;
	union sl_addr frontend;
	__be16 frontend_port;

	if (icmp_read_quote(skb, pkt, &q))
		return 0;
	icmp_quote_answer_key(&key, &q, pkt->family, SL_CT_REPLY);
	reply = bpf_map_lookup_elem(&sl_ct_v2, &key);
	if (!reply)
		return 0;
	frontend = reply->nat_addr;
	frontend_port = reply->nat_port;
	if (icmp_quote_rewrite(skb, pkt, &q, SL_ICMP_DST, &frontend, frontend_port))
		return SLUICE_DROP_NAT_FAILED;
	/* The backend itself reported it: the client hears it from the frontend address. */
	if (sl_addr_equal(&pkt->src, &q.dst) &&
	    icmp_outer_rewrite(skb, pkt, SL_ICMP_SRC, &frontend))
		return SLUICE_DROP_NAT_FAILED;
	return 0;
}

/* Arriving at a node about a flow it source-NATed to a remote backend: the quote is node:port →
 * backend, as the packet left. The client must hear about the packet it sent (client →
 * frontend), so both sides of the quote and the outer destination go back to the client's
 * view. 0 or SLUICE_DROP_NAT_FAILED. */
SL_INLINE int icmp_error_to_snat_client(struct __sk_buff *skb, const struct sl_pkt *pkt)
{
	struct sl_icmp_quote q;
	struct sl_ct_key key;
	struct sl_ct_entry *in;
	union sl_addr client, frontend;
	__be16 client_port, frontend_port;

	if (icmp_read_quote(skb, pkt, &q))
		return 0;
	icmp_quote_answer_key(&key, &q, pkt->family, SL_CT_SNAT_IN);
	in = bpf_map_lookup_elem(&sl_ct_v2, &key);
	if (!in || !(in->flags & SL_CT_F_SNAT))
		return 0;
	client = in->client_addr;
	client_port = in->client_port;
	frontend = in->nat_addr;
	frontend_port = in->nat_port;
	if (icmp_quote_rewrite(skb, pkt, &q, SL_ICMP_SRC, &client, client_port) ||
	    icmp_quote_rewrite(skb, pkt, &q, SL_ICMP_DST, &frontend, frontend_port) ||
	    icmp_outer_rewrite(skb, pkt, SL_ICMP_DST, &client))
		return SLUICE_DROP_NAT_FAILED;
	if (sl_addr_equal(&pkt->src, &q.dst) &&
	    icmp_outer_rewrite(skb, pkt, SL_ICMP_SRC, &frontend))
		return SLUICE_DROP_NAT_FAILED;
	return 0;
}

#endif

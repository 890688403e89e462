/* SPDX-License-Identifier: GPL-2.0 */
/* ICMP errors about a NATed flow (RFC 5508 §4.2 behaviour for our DNAT): an error on its way to
 * the client pod quotes the packet the client sent *after* DNAT (client → backend). The client
 * must see it about the packet it sent (client → frontend), or its socket never learns of the
 * error (PMTU, port unreachable, TTL exceeded). So: the quoted destination and port become the
 * frontend's, the outer source becomes the frontend's when the backend itself sent the error,
 * and every checksum stays right — the quoted IPv4 header checksum, the quoted TCP/UDP checksum
 * where the quote holds it, the outer IPv4 header checksum and the ICMP / ICMPv6 checksum
 * (whose IPv6 pseudo header includes the outer source). */
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

/* Rewrites the quoted TCP/UDP checksum for a new quoted destination (address + port), if the
 * quote holds it, and carries its change into the ICMP checksum at icmp_csum. */
SL_INLINE int icmp_fix_quoted_l4(struct __sk_buff *skb, const struct sl_icmp_quote *q,
				 const struct sl_pkt *pkt, __u32 icmp_csum, __s64 addr_diff,
				 __be16 new_port)
{
	__u32 off = q->l4_off + (q->proto == IPPROTO_TCP ? offsetof(struct tcphdr, check)
							 : offsetof(struct udphdr, check));
	__u16 before, after;

	if (off + 2 > skb->len || load16(skb, off, &before))
		return 0; /* cut off by the quote: nothing to keep right */
	if (q->proto == IPPROTO_UDP && pkt->family == SL_FAMILY_IPV4 && before == 0)
		return 0; /* sent without checksum */
	if (bpf_l4_csum_replace(skb, off, 0, addr_diff, 0) ||
	    bpf_l4_csum_replace(skb, off, q->dport, new_port, 2) || load16(skb, off, &after))
		return -1;
	return bpf_l4_csum_replace(skb, icmp_csum, before, after, 2);
}

/* On the way to the client pod: 0 (translated, or not about a NATed flow) or
 * SLUICE_DROP_NAT_FAILED. */
SL_INLINE int icmp_error_to_client(struct __sk_buff *skb, const struct sl_pkt *pkt)
{
	__u32 icmp_csum = pkt->l4_off + offsetof(struct icmphdr, checksum);
	__u64 pseudo = pkt->family == SL_FAMILY_IPV6 ? BPF_F_PSEUDO_HDR : 0;
	struct sl_icmp_quote q;
	struct sl_ct_key key = {};
	struct sl_ct_entry *reply;
	union sl_addr frontend;
	__be16 frontend_port;
	__s64 diff;

	if (icmp_read_quote(skb, pkt, &q))
		return 0;
	/* The quote is client → backend; its flow's reply entry is backend → client. */
	key.src = q.dst;
	key.sport = q.dport;
	key.dst = q.src;
	key.dport = q.sport;
	key.proto = q.proto;
	key.family = pkt->family;
	key.dir = SL_CT_REPLY;
	reply = bpf_map_lookup_elem(&sl_ct_v2, &key);
	if (!reply)
		return 0;
	frontend = reply->nat_addr;
	frontend_port = reply->nat_port;
	diff = bpf_csum_diff((__be32 *)q.dst.v6, 16, (__be32 *)frontend.v6, 16, 0);

	/* The quoted L4 checksum first: it covers the quoted addresses through its pseudo header. */
	if (icmp_fix_quoted_l4(skb, &q, pkt, icmp_csum, diff, frontend_port))
		return SLUICE_DROP_NAT_FAILED;
	if (pkt->family == SL_FAMILY_IPV4) {
		__u32 check = q.l3_off + offsetof(struct iphdr, check);
		__u16 before, after;

		if (load16(skb, check, &before) ||
		    bpf_l3_csum_replace(skb, check, q.dst.v4, frontend.v4, 4) ||
		    load16(skb, check, &after) ||
		    bpf_l4_csum_replace(skb, icmp_csum, before, after, 2) ||
		    bpf_l4_csum_replace(skb, icmp_csum, q.dst.v4, frontend.v4, 4) ||
		    bpf_skb_store_bytes(skb, q.l3_off + offsetof(struct iphdr, daddr), &frontend.v4, 4,
					0))
			return SLUICE_DROP_NAT_FAILED;
	} else {
		if (bpf_l4_csum_replace(skb, icmp_csum, 0, diff, 0) ||
		    bpf_skb_store_bytes(skb, q.l3_off + offsetof(struct ipv6hdr, daddr), frontend.v6,
					16, 0))
			return SLUICE_DROP_NAT_FAILED;
	}
	if (bpf_l4_csum_replace(skb, icmp_csum, q.dport, frontend_port, 2) ||
	    bpf_skb_store_bytes(skb, q.l4_off + 2, &frontend_port, 2, 0))
		return SLUICE_DROP_NAT_FAILED;

	/* The backend itself reported it: the client hears it from the frontend address. */
	if (!sl_addr_equal(&pkt->src, &q.dst))
		return 0;
	if (pkt->family == SL_FAMILY_IPV4) {
		if (bpf_l3_csum_replace(skb, pkt->l3_off + offsetof(struct iphdr, check), q.dst.v4,
					frontend.v4, 4) ||
		    bpf_skb_store_bytes(skb, pkt->l3_off + offsetof(struct iphdr, saddr), &frontend.v4,
					4, 0))
			return SLUICE_DROP_NAT_FAILED;
	} else {
		if (bpf_l4_csum_replace(skb, icmp_csum, 0, diff, pseudo) ||
		    bpf_skb_store_bytes(skb, pkt->l3_off + offsetof(struct ipv6hdr, saddr),
					frontend.v6, 16, 0))
			return SLUICE_DROP_NAT_FAILED;
	}
	return 0;
}

#endif

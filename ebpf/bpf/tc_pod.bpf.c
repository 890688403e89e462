// SPDX-License-Identifier: GPL-2.0
/* The packet path for in-cluster service traffic, attached with tc to the node side of every
 * pod veth:
 *   ingress (packets from the pod): a packet to a ClusterIP frontend is DNATed to a backend
 *     chosen by conntrack, affinity or Maglev; no eligible backend → RST / ICMP unreachable.
 *     A local backend's reply to an external flow is reverse-NATed and sent straight out.
 *   egress (packets to the pod): a backend's reply to a NATed flow gets the frontend address
 *     back as its source; an ICMP error about a NATed flow is translated back (icmp_error.h).
 * Sockets translated at connect time by the socket hooks never reach this path as service
 * traffic: their packets already carry the backend address. */
#include "common.h"
#include "conntrack.h"
#include "hairpin.h"
#include "icmp_error.h"
#include "lb.h"
#include "maps.h"
#include "nat_skb.h"
#include "parse.h"
#include "reject_skb.h"

SL_INLINE int reject(struct __sk_buff *skb, const struct sl_pkt *pkt)
{
	int err = -1;

	sl_count_drop(SLUICE_DROP_NO_BACKEND);
	if (pkt->proto == IPPROTO_TCP && !(pkt->tcp_flags & SL_TCP_RST))
		err = reject_tcp(skb, pkt);
	else if (pkt->proto == IPPROTO_UDP)
		err = reject_udp(skb, pkt);
	if (err)
		return TC_ACT_SHOT;
	return bpf_redirect(skb->ifindex, 0);
}

/* The pod answering a connection it made to its own service (hairpin.h). */
SL_INLINE int hairpin_reply(struct __sk_buff *skb, const struct sl_pkt *pkt, __u64 now)
{
	struct sl_ct_key key;
	struct sl_ct_entry *reply;
	union sl_addr frontend, self = pkt->src;
	__be16 frontend_port;
	int err;

	ct_key_of(&key, pkt, SL_CT_REPLY);
	reply = bpf_map_lookup_elem(&sl_ct_v2, &key);
	if (!reply || !ct_alive(reply, pkt->proto, now))
		return TC_ACT_OK; /* no flow of ours: routed like any other packet */
	ct_on_packet(reply, pkt, 1, now);
	frontend = reply->nat_addr;
	frontend_port = reply->nat_port;
	sl_count_service(reply->service_id, skb->len, 0);

	ct_forward_learns_reply(pkt, &self, pkt->dport, &frontend, frontend_port, now);

	err = nat_rewrite_skb(skb, pkt, SL_NAT_SRC, &frontend, frontend_port);
	if (!err)
		err = nat_rewrite_skb(skb, pkt, SL_NAT_DST, &self, pkt->dport);
	if (err)
		return sl_drop_tc(err);
	return hairpin_send_back(skb);
}


/* A local backend answering an external flow (DNATed at the external interface's XDP): the
 * frontend goes back as source here, and the reply is sent straight out of the interface towards
 * the client (bpf_redirect_neigh), past the node's IP stack. TC_ACT_OK with nothing done when the
 * packet is no such reply, or its way out is not known yet (tc_ext_egress translates it then). */
SL_INLINE int external_reply(struct __sk_buff *skb, const struct sl_pkt *pkt, __u64 now)
{
	struct bpf_fib_lookup fib;
	struct sl_ct_key key;
	struct sl_ct_entry *reply;
	union sl_addr frontend;
	__be16 frontend_port;
	int err;

	ct_key_of(&key, pkt, SL_CT_REPLY);
	reply = bpf_map_lookup_elem(&sl_ct_v2, &key);
	if (!reply || !(reply->flags & SL_CT_F_EXTERNAL) || (reply->flags & SL_CT_F_SNAT) ||
	    !ct_alive(reply, pkt->proto, now) || pkt->ttl <= 1)
		return TC_ACT_OK;
	frontend = reply->nat_addr;
	frontend_port = reply->nat_port;
	sl_fib_params(&fib, pkt->family, pkt->proto, skb->ifindex, pkt->l3_len, &frontend,
		      frontend_port, &pkt->dst, pkt->dport);
	/* Route only: the neighbour is resolved by bpf_redirect_neigh. */
	if (bpf_fib_lookup(skb, &fib, sizeof(fib), BPF_FIB_LOOKUP_SKIP_NEIGH) !=
	    BPF_FIB_LKUP_RET_SUCCESS)
		return TC_ACT_OK;
	ct_on_packet(reply, pkt, 1, now);
	sl_count_service(reply->service_id, skb->len, 0);
	ct_forward_learns_reply(pkt, &pkt->dst, pkt->dport, &frontend, frontend_port, now);
	err = nat_rewrite_skb(skb, pkt, SL_NAT_SRC, &frontend, frontend_port);
	if (err)
		return sl_drop_tc(err);
	return bpf_redirect_neigh(fib.ifindex, NULL, 0, 0);
}

SEC("tc")
int tc_pod_ingress(struct __sk_buff *skb)
{
	struct sl_pkt pkt = {};
	struct sl_frontend *fe;
	struct sl_backend *backend = NULL;
	union sl_addr seen_client;
	__u32 backend_id = 0;
	__u64 now;
	int new_flow = 0;
	int err;

	err = parse_skb(skb, &pkt);
	if (err)
		return sl_drop_tc(err);
	if (!pkt.family || pkt.fragment == SL_FRAG_LATER)
		return TC_ACT_OK;
	if (pkt.proto != IPPROTO_TCP && pkt.proto != IPPROTO_UDP)
		return TC_ACT_OK;
	now = bpf_ktime_get_ns(); /* only for what may be a flow of ours */
	if (is_hairpin_addr(&pkt.dst, pkt.family))
		return hairpin_reply(skb, &pkt, now);
	fe = lb_lookup_frontend(&pkt.dst, pkt.dport, pkt.proto, pkt.family);
	if (!fe)
		return external_reply(skb, &pkt, now);
	if (pkt.fragment == SL_FRAG_FIRST)
		return sl_drop_tc(SLUICE_DROP_FRAGMENT); /* later fragments could not follow it */

	backend = ct_tracked_backend(fe, &pkt, now, &backend_id);
	if (!backend) {
		__u32 hash = lb_flow_hash(&pkt.src, &pkt.dst, pkt.sport, pkt.dport, pkt.proto);

		backend_id = lb_select(fe, &pkt.src, pkt.family, hash, now);
		backend = lb_backend(fe->service_id, backend_id);
		if (!backend)
			return reject(skb, &pkt);
		if (sl_addr_equal(&backend->addr, &pkt.src))
			hairpin_addr(pkt.family, &seen_client);
		else
			seen_client = pkt.src;
		err = ct_create(&pkt, backend, backend_id, fe->service_id, &seen_client, now);
		if (err)
			return sl_drop_tc(err);
		new_flow = 1;
	}
	sl_count_service(fe->service_id, skb->len, new_flow);
	{
		union sl_addr addr = backend->addr;
		__be16 port = backend->port;

		err = nat_rewrite_skb(skb, &pkt, SL_NAT_DST, &addr, port);
		if (err)
			return sl_drop_tc(err);
		if (!sl_addr_equal(&addr, &pkt.src))
			return TC_ACT_OK;
	}
	/* The pod reached itself through its service: hairpin (hairpin.h). */
	hairpin_addr(pkt.family, &seen_client);
	err = nat_rewrite_skb(skb, &pkt, SL_NAT_SRC, &seen_client, pkt.sport);
	if (err)
		return sl_drop_tc(err);
	return hairpin_send_back(skb);
}

SEC("tc")
int tc_pod_egress(struct __sk_buff *skb)
{
	struct sl_pkt pkt = {};
	struct sl_ct_key key;
	struct sl_ct_entry *reply;
	union sl_addr frontend;
	__be16 frontend_port;
	__u64 now = bpf_ktime_get_ns();
	int err;

	err = parse_skb(skb, &pkt);
	if (err || !pkt.family || pkt.fragment == SL_FRAG_LATER)
		return TC_ACT_OK; /* not ours to judge on the way into a pod */
	if (icmp_is_error(&pkt)) {
		err = icmp_error_to_client(skb, &pkt);
		return err ? sl_drop_tc(err) : TC_ACT_OK;
	}
	if (pkt.proto != IPPROTO_TCP && pkt.proto != IPPROTO_UDP)
		return TC_ACT_OK;

	ct_key_of(&key, &pkt, SL_CT_REPLY);
	reply = bpf_map_lookup_elem(&sl_ct_v2, &key);
	if (!reply || !ct_alive(reply, pkt.proto, now))
		return TC_ACT_OK;
	ct_on_packet(reply, &pkt, 1, now);
	frontend = reply->nat_addr;
	frontend_port = reply->nat_port;

	ct_forward_learns_reply(&pkt, &pkt.dst, pkt.dport, &frontend, frontend_port, now);

	sl_count_service(reply->service_id, skb->len, 0);
	err = nat_rewrite_skb(skb, &pkt, SL_NAT_SRC, &frontend, frontend_port);
	if (err)
		return sl_drop_tc(err);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";

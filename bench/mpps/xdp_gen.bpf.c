// SPDX-License-Identifier: GPL-2.0
/* The packet generator of the Mpps benchmark (bench/mpps). Run with BPF_PROG_RUN and
 * BPF_F_TEST_XDP_LIVE_FRAMES on the wire end of a lab veth: every run writes one 64-byte frame
 * and returns XDP_TX, which the kernel turns into a transmit out of that veth towards the node.
 *
 * Live frames are recycled pages whose contents persist between runs (and a node may have
 * rewritten them before they came back), so each run copies the whole template frame first,
 * then sets this packet's flow: client address and port, service address. Checksums are fixed
 * up incrementally from the template's, which user space computed in full.
 *
 *   flows > 0: packet n belongs to flow n % flows (established traffic: every flow repeats)
 *   flows = 0: packet n is flow first_flow + n (every packet a new connection)
 * A flow f comes from client_base + (f >> 14), port 1024 + (f & 0x3fff), and goes to service
 * f % services, whose address is 172.30.(1 + s / 250).(1 + s % 250) (mpps.h: serviceAddress). */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define GEN_FRAME_SIZE 64

/* Set by user space before each run (single generator thread; no run is in flight then). */
__u8 tmpl[GEN_FRAME_SIZE];
__u32 l4_check_offset; /* offset of the TCP/UDP checksum in the frame */
__u32 flows;
__u32 services;
__u32 client_base; /* host order; the template's source address */
__u64 first_flow;
__u64 seq; /* packets generated since user space last reset it */

static __always_inline __u32 csum_add16(__u32 acc, __u16 old, __u16 new)
{
	return acc + (__u16)~old + new;
}

static __always_inline __u32 csum_add32(__u32 acc, __u32 old, __u32 new)
{
	acc = csum_add16(acc, (__u16)old, (__u16)new);
	return csum_add16(acc, (__u16)(old >> 16), (__u16)(new >> 16));
}

/* RFC 1624: the checksum after the words summed in delta changed. */
static __always_inline __u16 csum_apply(__u16 check, __u32 delta)
{
	__u32 sum = (__u16)~check + delta;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

SEC("xdp")
int xdp_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 *dst = data;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	__u16 *l4, *check;
	__u64 flow;
	__u32 svc, saddr, daddr, delta;
	__u16 sport;
	__u32 off = l4_check_offset;

	if (data + GEN_FRAME_SIZE > data_end)
		return XDP_DROP;
	for (int i = 0; i < GEN_FRAME_SIZE / 8; i++)
		dst[i] = ((const __u64 *)tmpl)[i];

	flow = flows ? seq % flows : first_flow + seq;
	seq++;
	svc = services ? (__u32)(flow % services) : 0;
	saddr = bpf_htonl(client_base + (__u32)(flow >> 14));
	sport = bpf_htons(1024 + (__u16)(flow & 0x3fff));
	daddr = bpf_htonl((172U << 24) | (30U << 16) | ((1 + svc / 250) << 8) | (1 + svc % 250));

	delta = csum_add32(0, ip->saddr, saddr);
	delta = csum_add32(delta, ip->daddr, daddr);
	ip->check = csum_apply(ip->check, delta);

	l4 = (void *)(ip + 1);
	if ((void *)(l4 + 1) > data_end || off > GEN_FRAME_SIZE - 2)
		return XDP_DROP;
	check = data + off;
	if ((void *)(check + 1) > data_end)
		return XDP_DROP;
	*check = csum_apply(*check, csum_add16(delta, l4[0], sport));
	if (*check == 0 && ip->protocol == 17)
		*check = 0xffff; /* UDP: 0 means "no checksum" */
	ip->saddr = saddr;
	ip->daddr = daddr;
	l4[0] = sport;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";

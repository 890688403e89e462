/* The one ABI between Sluice's BPF programs and its C++ side: every map key and value, flag,
 * counter layout and configuration constant the two share is defined here, once. BPF C and C++
 * both include this file; the C++ side static_asserts sizes and offsets (ebpf/src/abi_check.cc).
 *
 * Rules: fixed-width fields, explicit padding, network byte order for addresses and ports (as
 * they sit in packets), host order for everything else. Maps are pinned under
 * <bpffs>/sluice/ with the version in their name; a layout change is a new name and a migration,
 * never a reinterpretation of a pinned map. */
#ifndef SLUICE_EBPF_ABI_H
#define SLUICE_EBPF_ABI_H

#include <linux/types.h>

#include "sluice/dataplane/drop_reason.h"

/* Constants stay macros: BPF C map definitions and C++ both use them. */
/* NOLINTBEGIN(modernize-macro-to-enum) */

/* ---- map names (BPF object names are at most 15 characters) ---- */
#define SL_MAP_FRONTENDS "sl_fe_v1"
#define SL_MAP_BACKENDS "sl_be_v1"
#define SL_MAP_MAGLEV "sl_maglev_v2"
#define SL_MAP_MAGLEV_ON "sl_maglev_on_v1"
#define SL_MAP_CONNTRACK "sl_ct_v2"
#define SL_MAP_AFFINITY "sl_aff_v1"
#define SL_MAP_SERVICE_STATS "sl_svc_stats_v1"
#define SL_MAP_DROPS "sl_drops_v1"
#define SL_MAP_SOCK_REVNAT "sl_sock_rev_v1"
#define SL_MAP_SOURCE_RANGES "sl_srcrange_v1"
#define SL_MAP_VIPS "sl_vip_v1"

/* ---- capacities (the C++ side may lower them before load; these are the defaults) ---- */
#define SL_DEFAULT_MAX_FRONTENDS 65536
#define SL_DEFAULT_MAX_BACKENDS 262144
#define SL_DEFAULT_MAX_SERVICES 65536 /* service ids are 1 .. max-1 */
#define SL_DEFAULT_CT_ENTRIES 524288
#define SL_DEFAULT_AFFINITY_ENTRIES 131072
#define SL_DEFAULT_MAGLEV_SIZE 16381
/* Maglev rows (service ids 0 .. n-1; id 0 is never used) in sl_maglev_v2 by default: the loader
 * sets (max services + 1) * maglev size. */
#define SL_DEFAULT_MAGLEV_ROWS 1024
#define SL_DEFAULT_MAGLEV_ENTRIES (SL_DEFAULT_MAGLEV_ROWS * SL_DEFAULT_MAGLEV_SIZE)

/* The table writer (maglev_writer.bpf.c, run with BPF_PROG_RUN): copies `count` backend ids from
 * the user buffer at `entries` into sl_maglev_v2 from index `first` on, each entry one 4-byte
 * store. The buffer is read in chunks of SL_MAGLEV_WRITE_CHUNK entries: its size must be rounded
 * up to a whole chunk. The program returns the number of entries written. */
#define SL_MAGLEV_WRITE_CHUNK 64
struct sl_maglev_write {
	__u64 entries; /* user-space address of the ids */
	__u32 first;
	__u32 count;
};

enum sl_family {
	SL_FAMILY_IPV4 = 4,
	SL_FAMILY_IPV6 = 6,
};

/* An IPv4 or IPv6 address, network byte order. IPv4 uses v4 (== words[0]); the rest is zero so
 * that keys compare bytewise. */
union sl_addr {
	__be32 v4;
	__be32 v6[4];
	__u8 bytes[16];
};

/* ---- frontends: (address, port, protocol) → service ---- */
struct sl_frontend_key {
	union sl_addr addr;
	__be16 port;
	__u8 proto;  /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP */
	__u8 family; /* enum sl_family */
};

enum sl_frontend_kind {
	SL_KIND_CLUSTER_IP = 0,
	SL_KIND_NODE_PORT = 1,
	SL_KIND_LOAD_BALANCER = 2,
	SL_KIND_EXTERNAL_IP = 3,
};

enum sl_frontend_flags {
	SL_FE_AFFINITY = 1 << 0,      /* ClientIP session affinity for affinity_timeout_s */
	SL_FE_LOCAL_ONLY = 1 << 1,    /* externalTrafficPolicy=Local */
	SL_FE_DSR = 1 << 2,           /* direct server return to remote backends */
	SL_FE_SOURCE_RANGES = 1 << 3, /* loadBalancerSourceRanges apply */
};

struct sl_frontend {
	__u32 service_id; /* index into service stats; key of its Maglev table */
	__u32 flags;      /* enum sl_frontend_flags */
	__u32 affinity_timeout_s;
	__u8 kind; /* enum sl_frontend_kind */
	__u8 pad[3];
};

/* ---- backends: id → address; ids are allocated by the C++ side, 0 is never used ---- */
enum sl_backend_flags {
	SL_BE_LOCAL = 1 << 0,       /* on this node */
	SL_BE_ACTIVE = 1 << 1,      /* takes new flows (is in the Maglev table); else keeps its own */
	SL_BE_TERMINATING = 1 << 2, /* terminating but serving (control-plane state, for restore) */
	SL_BE_DRAINING = 1 << 3,    /* terminating, not serving (control-plane state, for restore) */
};

struct sl_backend {
	union sl_addr addr;
	__be16 port;
	__u8 family;      /* enum sl_family */
	__u8 flags;       /* enum sl_backend_flags */
	__u32 service_id; /* the one service this backend id belongs to */
	__u32 weight;     /* not used by the data path; kept so a restarted agent reads it back */
	__u32 pad;
};

/* ---- Maglev: one array of every service's table; entry service_id * maglev_size + slot is a
 * backend id (0 = no backend: reject new flows). Rewritten in place, entry by entry. ---- */

/* ---- connection tracking (LRU hash) ----
 * Forward entry (dir SL_CT_FORWARD): key = the client's packet as sent (client → frontend),
 * value names the backend it was sent to.
 * Reply entry (dir SL_CT_REPLY): key = the backend's reply as sent (backend → client), value
 * names the frontend address/port to restore as the reply's source. */
enum sl_ct_dir {
	SL_CT_FORWARD = 0,
	SL_CT_REPLY = 1,
	/* External flows to a remote backend, source-NATed to this node (see docs/ebpf.md):
	 * SNAT_OUT: key = the DNATed packet (client → backend), value names the node address/port
	 *   to put as its source on the way out;
	 * SNAT_IN: key = the backend's reply as it arrives (backend → node:port), value names the
	 *   client (client_addr/client_port) to restore as its destination. */
	SL_CT_SNAT_OUT = 2,
	SL_CT_SNAT_IN = 3,
};

struct sl_ct_key {
	union sl_addr src;
	union sl_addr dst;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 family;
	__u8 dir; /* enum sl_ct_dir */
	__u8 pad;
};

enum sl_ct_state {
	SL_CT_NEW = 0,         /* first packet seen (SYN, or first UDP datagram) */
	SL_CT_ESTABLISHED = 1, /* the backend answered */
	SL_CT_CLOSING = 2,     /* FIN or RST seen */
};

struct sl_ct_entry {
	__u64 last_seen_ns; /* bpf_ktime_get_ns() of the last packet either way */
	union sl_addr nat_addr; /* forward: backend address; reply: frontend address */
	__be16 nat_port;        /* forward: backend port;    reply: frontend port */
	__u8 state;             /* enum sl_ct_state */
	__u8 seen_fin;          /* bit 0: FIN from client, bit 1: FIN from backend */
	__u32 backend_id;
	__u32 service_id;
	__u32 flags; /* enum sl_ct_flags */
	/* SNAT reply entries: the client the reply goes back to (its address becomes the reply's
	 * destination again). */
	union sl_addr client_addr;
	__be16 client_port;
	__u8 pad[6];
};

enum sl_ct_flags {
	SL_CT_F_SNAT = 1 << 0,     /* source-NATed to this node (external flow, remote backend) */
	SL_CT_F_EXTERNAL = 1 << 1, /* DNATed at the node's external interface (XDP) */
	SL_CT_F_DSR = 1 << 2,      /* direct server return: IPIP to the backend's node, which
				    * answers the client itself (SNAT_OUT names the frontend) */
};

/* ---- ClientIP affinity (LRU hash): (service, client address) → backend ---- */
struct sl_affinity_key {
	union sl_addr client;
	__u32 service_id;
	__u8 family;
	__u8 pad[3];
};

struct sl_affinity_entry {
	__u64 last_used_ns;
	__u32 backend_id;
	__u32 pad;
};

/* ---- counters: per-CPU arrays; user space sums the CPUs ---- */
struct sl_service_stats {
	__u64 packets;
	__u64 bytes;
	__u64 new_connections;
};
/* SL_MAP_DROPS: per-CPU array of __u64 indexed by enum sluice_drop_reason. */

/* ---- socket-level LB reverse translation (LRU hash): what a connected/unconnected UDP socket
 * was really talking to, so recvmsg/getpeername show the service address again. ---- */
struct sl_sock_revnat_key {
	__u64 cookie; /* bpf_get_socket_cookie() */
	union sl_addr backend;
	__be16 backend_port;
	__u8 family;
	__u8 pad[5];
};

struct sl_sock_revnat_value {
	union sl_addr frontend;
	__be16 frontend_port;
	__u8 pad[6];
};

/* ---- timeouts (nanoseconds), the conntrack policy ---- */
#define SL_NSEC_PER_SEC 1000000000ULL
#define SL_CT_TIMEOUT_TCP_SYN (60ULL * SL_NSEC_PER_SEC)
#define SL_CT_TIMEOUT_TCP_ESTABLISHED (6ULL * 3600 * SL_NSEC_PER_SEC)
#define SL_CT_TIMEOUT_TCP_CLOSING (10ULL * SL_NSEC_PER_SEC)
#define SL_CT_TIMEOUT_UDP (120ULL * SL_NSEC_PER_SEC)
#define SL_CT_TIMEOUT_UDP_NEW (30ULL * SL_NSEC_PER_SEC)

/* ---- loadBalancerSourceRanges (LPM trie): (service, source prefix) → allowed. prefixlen counts
 * the 32 bits of service_id (always matched whole) plus the prefix length. ---- */
struct sl_source_range_key {
	__u32 prefixlen;
	__be32 service_id; /* network order, so the trie's byte-wise match sees it first */
	__u8 addr[16];     /* IPv4: first 4 bytes */
};

/* ---- LoadBalancer and external IPs of this node's frontends (hash): answered to ping ---- */
struct sl_vip_key {
	union sl_addr addr;
	__u8 family;
	__u8 pad[3];
};

/* ---- hairpin: a pod whose connection to its own service is sent back to itself sees it come
 * from this address (an address of no one, reachable through the pod's default route), so its
 * answer leaves the pod and can be translated back. 169.254.42.1 and fd51:1ce::1. ---- */
#define SL_HAIRPIN_V4_HOST 0xa9fe2a01U /* host byte order */
#define SL_HAIRPIN_V6_WORD0_HOST 0xfd5101ceU
#define SL_HAIRPIN_V6_WORD3_HOST 0x00000001U

/* NOLINTEND(modernize-macro-to-enum) */

#endif /* SLUICE_EBPF_ABI_H */

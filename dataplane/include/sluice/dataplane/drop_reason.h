/* Why a data plane dropped (or rejected) a packet: one enum for every data plane, plain C so the
 * BPF programs include it too. Counted per reason; exported as
 * sluice_drops_total{reason="<name>"} with the names from sluice::dataplane::dropReasonName().
 * Append only: the numbers index pinned per-CPU counter maps. */
#ifndef SLUICE_DATAPLANE_DROP_REASON_H
#define SLUICE_DATAPLANE_DROP_REASON_H

enum sluice_drop_reason {
  SLUICE_DROP_NONE = 0,
  SLUICE_DROP_MALFORMED_L2 = 1,     /* truncated Ethernet/VLAN header */
  SLUICE_DROP_MALFORMED_L3 = 2,     /* truncated or invalid IPv4/IPv6 header */
  SLUICE_DROP_MALFORMED_L4 = 3,     /* truncated TCP/UDP/ICMP header */
  SLUICE_DROP_NO_BACKEND = 4,       /* service has no eligible backend (rejected) */
  SLUICE_DROP_SOURCE_RANGE = 5,     /* source outside loadBalancerSourceRanges */
  SLUICE_DROP_NO_LOCAL_BACKEND = 6, /* externalTrafficPolicy=Local, none on this node */
  SLUICE_DROP_FRAGMENT = 7,         /* fragment whose flow cannot be resolved */
  SLUICE_DROP_UNSUPPORTED_L4 = 8,   /* protocol the frontend does not serve */
  SLUICE_DROP_TTL_EXCEEDED = 9,     /* TTL/hop limit would reach zero */
  SLUICE_DROP_CT_FULL = 10,         /* connection table could not take the flow */
  SLUICE_DROP_SNAT_EXHAUSTED = 11,  /* no free SNAT port */
  SLUICE_DROP_BACKEND_GONE = 12,    /* conntrack named a backend that no longer exists */
  SLUICE_DROP_NAT_FAILED = 13,      /* rewrite or redirect failed */
  SLUICE_DROP_MAX
};

#endif

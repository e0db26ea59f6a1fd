package ingest

import "net/netip"

// Allowed reports whether a client at addr may connect under the allowlist
// allow: always when allow is empty, else when one of its prefixes contains
// addr. An IPv4-mapped IPv6 address (::ffff:1.2.3.4, how a dual-stack
// listener reports an IPv4 client) is matched as the IPv4 address it maps,
// and an IPv6 zone (fe80::1%eth0) is ignored. An invalid addr (a listener
// that is not TCP) is allowed only by an empty list.
func Allowed(allow []netip.Prefix, addr netip.Addr) bool {
	if len(allow) == 0 {
		return true
	}
	if !addr.IsValid() {
		return false
	}
	addr = addr.Unmap().WithZone("")
	for _, p := range allow {
		if normalizePrefix(p).Contains(addr) {
			return true
		}
	}
	return false
}

// normalizePrefix masks p and turns an IPv4-mapped IPv6 prefix
// (::ffff:10.0.0.0/104) into the IPv4 prefix it covers (10.0.0.0/8), so that
// it matches the unmapped client addresses Allowed compares it with. A
// mapped prefix shorter than /96 also covers non-mapped IPv6 addresses and
// is kept as it is.
func normalizePrefix(p netip.Prefix) netip.Prefix {
	if !p.IsValid() {
		return p
	}
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked()
}

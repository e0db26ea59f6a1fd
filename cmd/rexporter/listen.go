package main

import (
	"fmt"
	"net"
	"strconv"
)

// listenAddress turns a --listen value (6000, :6000 or host:6000) into an
// address for net.Listen. A bare port listens on every interface; with Go's
// dual-stack sockets that includes IPv4, which is all R speaks.
func listenAddress(s string) (string, error) {
	if p, err := strconv.Atoi(s); err == nil {
		if p < 0 || p > 65535 {
			return "", fmt.Errorf("port %d out of range", p)
		}
		return ":" + s, nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", fmt.Errorf("%q is not PORT, :PORT or HOST:PORT", s)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return "", fmt.Errorf("%q: bad port %q", s, port)
	}
	return net.JoinHostPort(host, port), nil
}

// listenAll opens a TCP listener on each address; on failure it closes what it
// opened and names the flag, so a port in use is one clear line.
func listenAll(flag string, addrs []string, normalize func(string) (string, error)) ([]net.Listener, error) {
	var ls []net.Listener
	for _, a := range addrs {
		addr := a
		if normalize != nil {
			var err error
			if addr, err = normalize(a); err != nil {
				closeAll(ls)
				return nil, fmt.Errorf("%s %s: %w", flag, a, err)
			}
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			closeAll(ls)
			return nil, fmt.Errorf("%s %s: cannot listen: %w", flag, a, unwrapOp(err))
		}
		ls = append(ls, l)
	}
	return ls, nil
}

func closeAll(ls []net.Listener) {
	for _, l := range ls {
		_ = l.Close()
	}
}

// unwrapOp strips net.OpError's "listen tcp :6000:" prefix, which would repeat
// the address the caller already names.
func unwrapOp(err error) error {
	if op, ok := err.(*net.OpError); ok && op.Err != nil {
		return op.Err
	}
	return err
}

package main

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// systemd socket activation (sd_listen_fds(3)) and readiness notification
// (sd_notify(3)), implemented here rather than with a dependency: both are
// a few environment variables and a datagram.

// listenFDsStart is the first descriptor systemd passes.
const listenFDsStart = 3

// inheritedListeners are listening sockets this process did not open.
type inheritedListeners struct {
	ingest, web []net.Listener
}

// systemdListeners returns the sockets systemd passed, by role: a socket
// named (FileDescriptorName=, LISTEN_FDNAMES) "web" or "metrics", or ending
// in "-web" or "-metrics", serves /metrics; every other one receives R
// messages. It returns nil when systemd passed none to this process. The
// variables are removed, so that a process started from this one does not
// take them for its own.
func systemdListeners() (*inheritedListeners, error) {
	pid, nfds := os.Getenv("LISTEN_PID"), os.Getenv("LISTEN_FDS")
	names := os.Getenv("LISTEN_FDNAMES")
	os.Unsetenv("LISTEN_PID")
	os.Unsetenv("LISTEN_FDS")
	os.Unsetenv("LISTEN_FDNAMES")
	if pid != strconv.Itoa(os.Getpid()) || nfds == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(nfds)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("socket activation: LISTEN_FDS=%q is not a count", nfds)
	}
	var nameList []string
	if names != "" {
		nameList = strings.Split(names, ":")
	}
	in := &inheritedListeners{}
	for i := range n {
		fd := listenFDsStart + i
		name := ""
		if i < len(nameList) {
			name = nameList[i]
		}
		closeOnExec(fd)
		l, err := fileListener(fd, name)
		if err != nil {
			in.close()
			return nil, fmt.Errorf("socket activation: %w", err)
		}
		if socketRole(name) == roleWeb {
			in.web = append(in.web, l)
		} else {
			in.ingest = append(in.ingest, l)
		}
	}
	return in, nil
}

// socketRole is the role of a socket named name by systemd.
func socketRole(name string) string {
	switch {
	case name == "web", name == "metrics", strings.HasSuffix(name, "-web"), strings.HasSuffix(name, "-metrics"):
		return roleWeb
	}
	return roleIngest
}

// fileListener makes a listener of an inherited descriptor (which it
// closes: net.FileListener works on a duplicate).
func fileListener(fd int, name string) (net.Listener, error) {
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	l, err := net.FileListener(f)
	if err != nil {
		return nil, fmt.Errorf("descriptor %d (%q) is not a listening socket: %w", fd, name, err)
	}
	return l, nil
}

func (in *inheritedListeners) close() {
	if in != nil {
		closeAll(in.ingest)
		closeAll(in.web)
	}
}

// sdNotify sends a state ("READY=1", "MAINPID=123") to systemd if it
// asked for one (NOTIFY_SOCKET); otherwise it does nothing.
func sdNotify(state string) error {
	addr := os.Getenv("NOTIFY_SOCKET")
	if addr == "" {
		return nil
	}
	if addr[0] == '@' {
		addr = "\x00" + addr[1:] // abstract socket
	}
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("sd_notify: %w", err)
	}
	defer c.Close()
	_, err = c.Write([]byte(state))
	return err
}

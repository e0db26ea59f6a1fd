package ingest

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestPauseResume checks that a hand-over that does not happen leaves the
// server serving: what a client wrote during the pause (into the kernel's
// buffer), a pending write.socket tail and a connection made during the
// pause are all read after Resume, each byte once.
func TestPauseResume(t *testing.T) {
	env := startServer(t, DefaultConfig(), nil)
	c := env.dial()
	write(t, c, "a: 1\nb: 2")
	env.waitSession(c, "a: 1", func(st sessionState) bool { return len(st.msgs) >= 1 })

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := env.srv.Pause(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(p.Conns()); n != 1 || len(p.Listeners()) != 1 {
		t.Fatalf("paused with %d connections and %d listeners, want 1 and 1", n, len(p.Listeners()))
	}
	// "b: 2" follows a message ended by '\n': it waits TailWait (500ms).
	if st := p.States()[0]; string(st.Framer.Pending) != "b: 2" {
		t.Errorf("pending tail %q, want %q", st.Framer.Pending, "b: 2")
	}
	if _, err := env.srv.Pause(ctx); err == nil {
		t.Error("a second Pause succeeded")
	}
	write(t, c, "5\nc: 3\n")
	late := env.dial()
	write(t, late, "d: 4\n")
	time.Sleep(50 * time.Millisecond)
	if st, _ := env.sink.state(localAddr(c)); len(st.msgs) != 1 {
		t.Errorf("read during the pause: %q", st.msgs)
	}
	p.Resume()

	st := env.waitSession(c, "every message", func(st sessionState) bool { return len(st.msgs) >= 2 })
	if want := []string{"a: 1", "b: 25", "c: 3"}; !slices.Equal(st.msgs, want) && !slices.Equal(st.msgs, want[:2]) {
		t.Errorf("messages %q, want %q", st.msgs, want)
	}
	env.waitSession(c, "c: 3", func(st sessionState) bool { return len(st.msgs) == 3 })
	env.waitSession(late, "the late connection", func(st sessionState) bool { return slices.Equal(st.msgs, []string{"d: 4"}) })
}

// Package ingest accepts R clients' TCP connections, reads them, cuts the
// byte streams into messages and hands those to a Sink.
//
// R sends in three ways, and all three must work:
//
//   - write.socket(sock, msg) sends msg with no terminator at all, one
//     send() per call. Messages that arrive together are glued:
//     "[2026-11-25 17:06:16] - Random Poisson: 11[2026-11-25 17:06:17] - ..."
//     or, from a loop that sends no timestamp, "Mean: 1.5Mean: 2.25Mean: 0.7".
//     They are told apart by the message grammar (parser.Splitter): a
//     "[DDDD-DD-DD" after a complete value (or after a name's text in a
//     record that began with its own timestamp) starts a record, a repeat of
//     the message's first name after a value starts a message, and so does
//     a name after a complete number ("loss: 0.5acc: 0.9"). Each message
//     is handed on as soon as the next one's start is evident, so a fast
//     loop is framed message by message with bounded memory; the last one
//     is taken as complete after a quiet gap (Config.QuietGap).
//   - writeLines(msg, con) ends each line with "\n".
//   - cat(msg, "\n", file = con) sends the text, the separator and the
//     newline as separate writes.
//
// How long a pending tail waits is decided for each tail on its own, never
// by what the connection sent before: one that ends in a value, after a
// message that did not end at "\n", waits QuietGap; one that ends in a name
// or right after ':', or follows a "\n"-terminated message (its sender
// ends its messages, and on a loaded machine the rest may come late),
// waits up to Config.TailWait. Nothing waits for the connection to close.
//
// Two properties of R clients shape the server: if the server closes a
// connection, R's next-but-one write kills the script with SIGPIPE, so a
// connection is never closed because of what it sent; and if the server
// stops reading, R blocks in write.socket, so every connection is read all
// the time by its own goroutine; at most Config.MaxBusyConnections of them
// handle what they read at once (turns.go), the others wait their turn with
// their data in the kernel, so that a flood bounds its own cost and a scrape
// gets its share of the CPU. A connection beyond Config.MaxConnections
// is not read until a slot frees up, for at most Config.ConnWait; what its
// client writes meanwhile waits in the kernel's socket buffer, so a burst
// of short connections loses nothing. The framing rules are documented on
// Framer.
package ingest

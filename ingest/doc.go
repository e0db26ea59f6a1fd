// Package ingest accepts R clients' TCP connections, reads them, cuts the
// byte streams into messages and hands those to a Sink.
//
// R sends in three ways, and all three must work:
//
//   - write.socket(sock, msg) sends msg with no terminator at all, one
//     send() per call. Messages that arrive together are glued:
//     "[2026-11-25 17:06:16] - Random Poisson: 11[2026-11-25 17:06:17] - ...".
//     They are told apart by the "[DDDD-DD-DD" that starts each record, and
//     the last one is taken as complete after a quiet gap (Config.QuietGap).
//   - writeLines(msg, con) ends each line with "\n".
//   - cat(msg, "\n", file = con) sends the text, the separator and the
//     newline as separate writes.
//
// Two properties of R clients shape the server: if the server closes a
// connection, R's next-but-one write kills the script with SIGPIPE, so a
// connection is never closed because of what it sent; and if the server
// stops reading, R blocks in write.socket, so every connection is read all
// the time by its own goroutine. The framing rules are documented on Framer.
package ingest

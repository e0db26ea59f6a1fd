# rexporter.R: report values from an R job to rexporter, with base R only.
#
#   source("examples/r/rexporter.R")
#   con <- rx_connect("127.0.0.1", 6000, job = "fit-model")
#   for (i in 1:n) {
#     ...
#     rx_send(con, loss = loss, accuracy = acc)   # one message: "loss: 0.25, accuracy: 0.9"
#     rx_progress(con, i, n)
#   }
#   rx_close(con)                                 # says "bye": the job finished cleanly
#
# The one promise of this file: reporting never stops or stalls the job.
#
# * The exporter may be down when the job starts, or restart while it runs.
#   rx_connect() then warns once and returns a handle anyway; every later send
#   tries to connect again (at most once a second at first, backing off to
#   once every 8 seconds while it keeps failing), and values sent while there
#   is no connection are dropped and counted (rx_dropped()). After a
#   reconnection the job name is sent again, so the new exporter knows the job.
#
# * Base R turns a write to a socket whose peer has gone into a fatal error:
#   the kernel raises SIGPIPE and R's handler for it calls error("ignoring
#   SIGPIPE signal"), which ends an Rscript. That error is an ordinary R
#   condition, so tryCatch() catches it (measured on R 4.2), and every write
#   here is wrapped. But R leaves SIGPIPE blocked after that first one (the
#   error jumps out of the signal handler without restoring the signal mask),
#   so from then on a write into a dead socket fails without a word. The real
#   check is therefore another: rexporter never sends anything, so a socket
#   that turns readable has been closed by the exporter (EOF or reset). Each
#   send checks that first and reconnects instead of writing into a dead socket.
#
# * A plain write.socket() blocks forever when the exporter stops reading and
#   the kernel's send buffer (a few MB on loopback) is full. Here the socket is
#   a socketConnection(blocking = FALSE, timeout = 1): a write then waits at
#   most `timeout` seconds (whole seconds: R truncates 1.5 to 1 and treats 0 as
#   "never wait" for writes but "wait forever" for connect, so 1 is the least
#   that works for both), and each send first asks socketSelect() whether the
#   socket is writable at all. If it is not, the value is dropped at once, so a
#   full buffer costs a job nothing, and at most one write (one that found some
#   room, but not enough) can wait for a second. Such a write may leave a
#   message cut short (rexporter then counts a parse error, or reads a
#   truncated number); that takes a message longer than the free space of a
#   socket the kernel reports writable, which on Linux is at least a third of
#   the send buffer: tens of KB or more, far beyond an ordinary message.
#
# * Messages end with a newline (unambiguous for rexporter, no quiet gap
#   needed) and are sent as UTF-8 whatever the locale, so names such as
#   "Température" arrive intact from latin1 locales and from the C locale too.

# rx_connect opens a reporting handle. `job` (optional) names the job: it is
# sent as "job: <job>" right after every (re)connection, and rexporter labels
# this connection's values with r_job="<job>". `timeout` bounds connect and
# write in whole seconds (at least 1); `retry` is the first pause between
# connection attempts, doubled after each failure up to `max_retry`.
# It never fails because of the network: when the exporter cannot be reached,
# it warns once and the handle connects on a later send.
rx_connect <- function(host = "127.0.0.1", port = 6000, job = NULL,
                       timeout = 1, retry = 1, max_retry = 8) {
  h <- new.env(parent = emptyenv())
  h$host <- as.character(host)
  h$port <- as.integer(port)
  h$job <- if (is.null(job)) NULL else .rx_name(as.character(job)[[1]])
  h$timeout <- max(1L, as.integer(timeout))
  h$retry <- max(1, retry)
  h$max_retry <- max(h$retry, max_retry)
  h$backoff <- h$retry   # pause after the next failed attempt
  h$next_try <- 0        # no attempt before this time (seconds since the epoch)
  h$con <- NULL          # the socketConnection, NULL while disconnected
  h$warned <- FALSE      # warned about the current outage already
  h$closed <- FALSE      # rx_close() was called
  h$sent <- 0            # messages handed to the socket
  h$dropped <- 0         # messages dropped: no connection, or the exporter not reading
  h$connects <- 0        # successful connections (1 + reconnections)
  class(h) <- "rx_handle"
  # A handle that is garbage collected closes its socket quietly instead of R's
  # "closing unused connection" warning. No "bye": only rx_close() says the
  # job finished; a job that just ends shows as vanished, as it should.
  reg.finalizer(h, function(e) .rx_disconnect(e), onexit = FALSE)
  .rx_connect(h)
  invisible(h)
}

# rx_send sends named values as ONE message:
#   rx_send(con, loss = 0.25, accuracy = 0.9, "Random Poisson" = 11)
#   -> "[2026-11-25 17:06:16.123] - loss: 0.25, accuracy: 0.9, Random Poisson: 11"
# Values are numbers or logicals, written as R prints them (15 significant
# digits, 1e+05, TRUE, NA, NaN, Inf, -Inf), all of which rexporter reads. A
# vector gives one field per element, named "<name> <element name or index>";
# an unnamed argument that has names contributes its elements, so
# rx_send(con, c(loss = 1, acc = 2)) works too. Characters that rexporter
# refuses in names (":", ",", "{", "=", ...) become "_". It returns TRUE when
# the message was handed to the socket, FALSE when it was dropped.
rx_send <- function(con, ...) {
  fields <- .rx_fields(list(...))
  if (length(fields) == 0L) return(invisible(FALSE))
  msg <- paste0("[", format(Sys.time(), "%Y-%m-%d %H:%M:%OS3"), "] - ",
                paste(fields, collapse = ", "))
  invisible(.rx_send_line(con, msg))
}

# rx_progress reports how far the job is, step i of n, as ONE progress field
# "progress: i/n" (numbers written as rx_send writes them), which rexporter
# turns into the gauges progress_done (i), progress_steps (n) and
# progress_ratio (i/n). It returns TRUE when the message was handed to the
# socket, FALSE when it was dropped.
rx_progress <- function(con, i, n) {
  if (!(is.numeric(i) || is.logical(i)) || !(is.numeric(n) || is.logical(n)) ||
      length(i) != 1L || length(n) != 1L) {
    warning("rx_progress: i and n must be single numbers; skipped", call. = FALSE)
    return(invisible(FALSE))
  }
  msg <- paste0("[", format(Sys.time(), "%Y-%m-%d %H:%M:%OS3"), "] - progress: ",
                .rx_format(as.numeric(i)), "/", .rx_format(as.numeric(n)))
  invisible(.rx_send_line(con, msg))
}

# rx_close says "bye" (rexporter then shows the job as finished rather than
# vanished) and closes the socket. Later sends are dropped.
rx_close <- function(con) {
  if (!con$closed) {
    if (.rx_ensure(con)) .rx_put(con, "bye")
    .rx_disconnect(con)
    con$closed <- TRUE
  }
  invisible(con)
}

# rx_dropped is the number of messages dropped so far (sent while there was no
# connection, or while the exporter was not reading); rx_sent the number
# handed to the socket.
rx_dropped <- function(con) con$dropped
rx_sent <- function(con) con$sent

print.rx_handle <- function(x, ...) {
  state <- if (x$closed) "closed" else if (is.null(x$con)) "disconnected" else "connected"
  cat(sprintf("<rexporter %s:%d%s: %s, %d sent, %d dropped>\n", x$host, x$port,
              if (is.null(x$job)) "" else paste0(" job ", x$job), state, x$sent, x$dropped))
  invisible(x)
}

# ---- internals -------------------------------------------------------------

# .rx_send_line sends one user message, counting it as sent or dropped.
.rx_send_line <- function(h, msg) {
  ok <- !h$closed && .rx_ensure(h) && .rx_put(h, msg)
  if (ok) h$sent <- h$sent + 1 else h$dropped <- h$dropped + 1
  ok
}

# .rx_ensure makes sure there is a live connection, reconnecting if the
# exporter closed the old one or the back-off allows another attempt.
.rx_ensure <- function(h) {
  if (h$closed) return(FALSE)
  if (!is.null(h$con) && !.rx_peer_gone(h)) return(TRUE)
  if (!is.null(h$con)) {
    # The exporter went away (restart, crash): drop the dead socket and try
    # at once, since a restarted exporter may already be listening.
    .rx_disconnect(h)
    h$next_try <- 0
    h$backoff <- h$retry
  }
  .rx_connect(h)
}

# .rx_peer_gone reports whether the exporter closed the connection. rexporter
# never writes to its clients, so a readable socket means EOF or a reset;
# checking this before every write keeps us from writing into a dead socket
# (the SIGPIPE that R turns into an error).
.rx_peer_gone <- function(h) {
  readable <- tryCatch(socketSelect(list(h$con), write = FALSE, timeout = 0),
                       error = function(e) TRUE)
  if (!isTRUE(readable)) return(FALSE)
  got <- tryCatch(suppressWarnings(readBin(h$con, "raw", 65536L)),
                  error = function(e) raw(0))
  length(got) == 0L   # readable with nothing to read: EOF or reset
}

# .rx_connect makes one connection attempt if the back-off allows it.
.rx_connect <- function(h) {
  now <- as.numeric(Sys.time())
  if (now < h$next_try) return(FALSE)
  # socketConnection() signals a warning ("cannot be opened") and then an
  # error; both are expected while the exporter is down.
  con <- tryCatch(suppressWarnings(socketConnection(
    host = h$host, port = h$port, open = "a+b", blocking = FALSE, timeout = h$timeout)),
    error = function(e) NULL)
  if (is.null(con)) {
    h$next_try <- as.numeric(Sys.time()) + h$backoff
    h$backoff <- min(2 * h$backoff, h$max_retry)
    if (!h$warned) {
      h$warned <- TRUE
      # immediate. = TRUE: Rscript would otherwise hold the warning until the
      # top-level call (often the whole job's loop) returns.
      warning(sprintf(paste0(
        "rexporter: cannot connect to %s:%d; the job goes on, and its values are ",
        "dropped until the exporter is reachable (rx_dropped() counts them)"),
        h$host, h$port), call. = FALSE, immediate. = TRUE)
    }
    return(FALSE)
  }
  h$con <- con
  h$connects <- h$connects + 1
  h$backoff <- h$retry
  h$next_try <- 0
  if (h$warned) {
    h$warned <- FALSE
    message(sprintf("rexporter: connected to %s:%d (%d messages dropped so far)",
                    h$host, h$port, as.integer(h$dropped)))
  }
  if (!is.null(h$job)) .rx_put(h, paste0("job: ", h$job))
  !is.null(h$con)
}

# .rx_put writes one line on a connected handle, never blocking for long and
# never letting a socket error reach the caller. FALSE when dropped.
.rx_put <- function(h, line) {
  writable <- tryCatch(socketSelect(list(h$con), write = TRUE, timeout = 0),
                       error = function(e) NA)
  if (is.na(writable)) {
    .rx_disconnect(h)
    return(FALSE)
  }
  # Not writable: the send buffer is full because the exporter stopped
  # reading. Drop this message rather than wait; keep the connection, which
  # drains if the exporter catches up.
  if (!writable) return(FALSE)
  ok <- tryCatch({
    withCallingHandlers(
      writeLines(enc2utf8(line), h$con, useBytes = TRUE),
      warning = function(w) invokeRestart("muffleWarning"))
    TRUE
  }, error = function(e) FALSE)   # "ignoring SIGPIPE signal" lands here
  if (!ok) {
    .rx_disconnect(h)
    h$next_try <- 0
  }
  ok
}

# .rx_disconnect closes the socket, ignoring whatever close() says.
.rx_disconnect <- function(h) {
  if (!is.null(h$con)) {
    try(suppressWarnings(close(h$con)), silent = TRUE)
    h$con <- NULL
  }
  invisible(NULL)
}

# .rx_fields turns rx_send's arguments into "name: value" strings.
.rx_fields <- function(args) {
  arg_names <- names(args)
  if (is.null(arg_names)) arg_names <- rep("", length(args))
  out <- character(0)
  for (k in seq_along(args)) {
    v <- args[[k]]
    if (length(v) == 0L) next
    if (!(is.numeric(v) || is.logical(v)) || is.factor(v)) {
      warning(sprintf("rx_send: %s is not a number or a logical; skipped",
                      if (nzchar(arg_names[[k]])) arg_names[[k]] else paste("argument", k)),
              call. = FALSE)
      next
    }
    el <- names(v)
    if (nzchar(arg_names[[k]])) {
      nm <- if (length(v) == 1L) arg_names[[k]]
            else if (!is.null(el) && all(nzchar(el))) paste(arg_names[[k]], el)
            else paste(arg_names[[k]], seq_along(v))
    } else if (!is.null(el) && all(nzchar(el))) {
      nm <- el
    } else {
      warning(sprintf("rx_send: argument %d has no name; skipped", k), call. = FALSE)
      next
    }
    nm <- .rx_name(nm)
    keep <- nzchar(nm) & nm != "job"
    if (!all(keep)) {
      warning("rx_send: an empty name, or the name \"job\" (reserved for rx_connect(job = )); skipped",
              call. = FALSE)
    }
    if (any(keep)) out <- c(out, paste0(nm[keep], ": ", .rx_format(unname(v))[keep]))
  }
  out
}

# .rx_name keeps what rexporter accepts in a name (ASCII letters and digits,
# space, "_", ".", "-", "/", anything non-ASCII) and turns every other ASCII
# character, ":" "," ";" "[" "{" "=" "#" quotes and control characters among
# them, into "_", so a name can never break the message grammar.
.rx_name <- function(x) {
  x <- enc2utf8(as.character(x))
  # Byte-wise: every byte of a multi-byte UTF-8 character is >= 0x80, so only
  # ASCII is touched, and neither the locale (a C or latin1 locale would make
  # a character-wise regex rewrite "é" as "<U+00E9>") nor bytes that are not
  # valid UTF-8 can change the rest.
  x <- gsub("[\\x01-\\x1f!-,:-@\\[-^`{-\\x7f]", "_", x, perl = TRUE, useBytes = TRUE)
  Encoding(x) <- "UTF-8"   # what enc2utf8 made it; useBytes dropped the mark
  trimws(x)
}

# .rx_format writes values exactly as R prints them, which rexporter parses:
# as.character() gives 15 significant digits and 1e+05 / 1e-04 / NaN / Inf /
# -Inf; NA (which as.character() leaves as NA) is spelled "NA".
.rx_format <- function(v) {
  if (is.logical(v)) return(ifelse(is.na(v), "NA", ifelse(v, "TRUE", "FALSE")))
  out <- as.character(v)
  out[is.na(v) & !is.nan(v)] <- "NA"
  out
}

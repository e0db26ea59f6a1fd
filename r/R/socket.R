# ---- the socket: never stop, never stall -----------------------------------
#
# The one promise of this code: reporting never stops or stalls the job.
#
# * The exporter may be down when the job starts, or restart while it runs.
#   The handle then warns once and goes on; later sends try to connect again
#   (at most once a second at first, backing off to once every 8 seconds
#   while it keeps failing), and values sent while there is no connection are
#   dropped and counted (rx_dropped()). After a reconnection the job name is
#   sent again, so the new exporter knows the job.
#
# * Base R turns a write to a socket whose peer has gone into a fatal error:
#   the kernel raises SIGPIPE and R's handler for it calls error("ignoring
#   SIGPIPE signal"), which ends an Rscript. That error is an ordinary R
#   condition, so tryCatch() catches it (measured on R 4.2), and every write
#   here is wrapped. But R leaves SIGPIPE blocked after that first one (the
#   error jumps out of the signal handler without restoring the signal mask),
#   so from then on a write into a dead socket fails without a word. The real
#   check is therefore another: rexporter never sends anything, so a socket
#   that turns readable has been closed by the exporter (EOF or reset).
#
# * A plain write.socket() blocks forever when the exporter stops reading and
#   the kernel's send buffer (a few MB on loopback) is full. Here the socket is
#   a socketConnection(blocking = FALSE, timeout = 1): a write then waits at
#   most `timeout` seconds (whole seconds: R truncates 1.5 to 1 and treats 0 as
#   "never wait" for writes but "wait forever" for connect, so 1 is the least
#   that works for both), and a check asks socketSelect() whether the socket
#   is writable at all. If it is not, the value is dropped at once.
#
# * The checks (readable? writable?) cost two socketSelect() calls, far more
#   than the write itself, and even reading the clock costs as much as the
#   rest of a send's bookkeeping. So only every `every` sends, a number
#   adapted to the send rate so that it comes about every check_interval / 2
#   (0.05 s; at every send when sends are rarer), and after every 4 KB
#   written, does a send read the clock and check the socket. While the
#   handle is disconnected or the exporter is not reading, every send
#   checks. In between, sends write directly. The price, only when something
#   goes wrong: the messages sent between the exporter's death and the next
#   check are lost (counted as sent). The 4 KB bound keeps writes from
#   waiting: a socket reported writable has at least that much room. Only a
#   single message larger than the room left can wait, at most `timeout`;
#   the next send's check then sees the full buffer and drops without
#   waiting. After a pause, the first sends may carry the timestamp of
#   before the pause (at most 4 KB of them); rexporter does not use it.
#
# * Messages end with a newline (unambiguous for rexporter, no quiet gap
#   needed) and are sent as UTF-8 whatever the locale, so names such as
#   "Temp\u00e9rature" arrive intact from latin1 locales and from the C locale.

# .rx_check runs before a send when the handle's countdowns have run out:
# it adapts how many sends go between checks, makes sure there is a live,
# writable connection, refreshes the timestamp and restarts the countdowns.
# FALSE: drop this message.
.rx_check <- function(h) {
  w <- .subset2(h, "w")
  w$left <- 0
  now <- unclass(Sys.time())
  dt <- now - w$read_at
  w$read_at <- now
  if (dt < h$check_interval / 2) {
    w$every <- min(2 * w$every, 8192)
  } else if (dt > h$check_interval) {
    w$every <- max(1, w$every %/% 2)
  }
  if (!.rx_ensure(h)) return(FALSE)
  writable <- tryCatch(socketSelect(list(w$con), write = TRUE, timeout = 0),
                       error = function(e) NA)
  if (is.na(writable)) {
    .rx_disconnect(h)
    return(FALSE)
  }
  # Not writable: the send buffer is full because the exporter stopped
  # reading. Drop, keep the connection (it drains if the exporter catches
  # up) and check again at the next send.
  if (!writable) return(FALSE)
  sec <- floor(now)
  if (sec != w$stamp_sec) {
    w$stamp <- paste0("[", format(.POSIXct(sec), "%Y-%m-%d %H:%M:%S"), "] - ")
    w$stamp_sec <- sec
  }
  w$left <- w$every
  # Linux reports a TCP socket writable when at least a third of its send
  # buffer (16 KB at least by default) is free, so 4 KB more never wait.
  w$bytes <- 4096
  TRUE
}

# .rx_ensure makes sure there is a live connection, reconnecting if the
# exporter closed the old one or the back-off allows another attempt.
.rx_ensure <- function(h) {
  if (h$closed) return(FALSE)
  if (!is.null(h$w$con) && !.rx_peer_gone(h)) return(TRUE)
  if (!is.null(h$w$con)) {
    # The exporter went away (restart, crash): drop the dead socket and try
    # at once, since a restarted exporter may already be listening.
    .rx_disconnect(h)
    h$next_try <- 0
    h$backoff <- h$retry
  }
  .rx_connect(h)
}

# .rx_peer_gone reports whether the exporter closed the connection. rexporter
# never writes to its clients, so a readable socket means EOF or a reset.
.rx_peer_gone <- function(h) {
  readable <- tryCatch(socketSelect(list(h$w$con), write = FALSE, timeout = 0),
                       error = function(e) TRUE)
  if (!isTRUE(readable)) return(FALSE)
  got <- tryCatch(suppressWarnings(readBin(h$w$con, "raw", 65536L)),
                  error = function(e) raw(0))
  length(got) == 0L   # readable with nothing to read: EOF or reset
}

# .rx_connect makes one connection attempt if the back-off allows it.
.rx_connect <- function(h) {
  now <- unclass(Sys.time())
  if (now < h$next_try) return(FALSE)
  # socketConnection() signals a warning ("cannot be opened") and then an
  # error; both are expected while the exporter is down.
  con <- tryCatch(suppressWarnings(socketConnection(
    host = h$host, port = h$port, open = "a+b", blocking = FALSE, timeout = h$timeout)),
    error = function(e) NULL)
  if (is.null(con)) {
    h$next_try <- unclass(Sys.time()) + h$backoff
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
  h$w$con <- con
  h$connects <- h$connects + 1
  h$backoff <- h$retry
  h$next_try <- 0
  if (h$warned) {
    h$warned <- FALSE
    message(sprintf("rexporter: connected to %s:%d (%d messages dropped so far)",
                    h$host, h$port, as.integer(h$w$dropped)))
  }
  if (!is.null(h$job)) .rx_put(h, paste0("job: ", h$job))
  !is.null(h$w$con)
}

# .rx_put writes one control line ("job: ...", "bye") on a connected handle,
# checking first that it is writable. FALSE when dropped.
.rx_put <- function(h, line) {
  writable <- tryCatch(socketSelect(list(h$w$con), write = TRUE, timeout = 0),
                       error = function(e) NA)
  if (is.na(writable)) {
    .rx_disconnect(h)
    return(FALSE)
  }
  if (!writable) return(FALSE)
  tryCatch({
    writeLines(enc2utf8(line), h$w$con, useBytes = TRUE)
    TRUE
  }, error = function(e) .rx_write_failed(h, FALSE))
}

# .rx_write_failed handles a write that raised an error (the SIGPIPE of a
# dead socket): disconnect, let the next send reconnect at once, and count a
# user message as dropped. FALSE.
.rx_write_failed <- function(h, count) {
  .rx_disconnect(h)
  h$next_try <- 0
  if (count) h$w$dropped <- h$w$dropped + 1
  FALSE
}

# .rx_disconnect closes the socket, ignoring whatever close() says. With no
# socket, every send goes through .rx_check (left 0).
.rx_disconnect <- function(h) {
  h$w$left <- 0
  if (!is.null(h$w$con)) {
    try(suppressWarnings(close(h$w$con)), silent = TRUE)
    h$w$con <- NULL
  }
  invisible(NULL)
}

# ---- handles: open, close, count -------------------------------------------

#' Open a reporting handle
#'
#' `rx_connect()` opens a TCP connection to rexporter and returns a handle for
#' [rx_send()] and [rx_progress()]. It never fails because of the network: when
#' the exporter cannot be reached it warns once and returns the handle anyway;
#' later sends try again (after 1 second at first, backing off to once every
#' `max_retry` seconds) and the values sent meanwhile are dropped and counted
#' ([rx_dropped()]). After a reconnection the job name is sent again, so a
#' restarted exporter knows the job.
#'
#' @param host,port The exporter's ingest address. `NULL` takes it from the
#'   options `rexporter.host` / `rexporter.port`, the environment variables
#'   `REXPORTER_HOST` / `REXPORTER_PORT` or `REXPORTER_ADDR` (`host:port`), or
#'   `127.0.0.1:6000`, in that order.
#' @param job The job's name, or `NULL`. Sent as `job: <job>` after every
#'   (re)connection; rexporter labels the connection's values
#'   `r_job="<job>"`.
#' @param timeout Bound on connecting and on one write, in whole seconds (at
#'   least 1; R truncates fractions, and 0 would mean "wait forever" when
#'   connecting).
#' @param retry,max_retry The first pause between connection attempts, in
#'   seconds, doubled after each failure up to `max_retry`.
#' @param check_interval How often a send first checks that the exporter is
#'   still there and reading (seconds): about every `check_interval / 2` at
#'   the current send rate, and after every 4 KB written. Sends in between
#'   write directly; see the "Cost" section of [rx_send()].
#' @return A handle of class `rx_handle` (an environment), invisibly.
#' @seealso [rx_close()] to say the job finished, [with_rexporter()] to do it
#'   for a whole job.
#' @export
#' @examples
#' # No exporter needed: without one, values are dropped and counted.
#' con <- suppressWarnings(rx_connect("127.0.0.1", 1, job = "example"))
#' rx_send(con, loss = 0.25, accuracy = 0.9)
#' rx_dropped(con)
#' rx_close(con)
rx_connect <- function(host = NULL, port = NULL, job = NULL, timeout = 1,
                       retry = 1, max_retry = 8, check_interval = 0.1) {
  addr <- .rx_address(host, port)
  h <- new.env(parent = emptyenv())
  h$host <- addr$host
  h$port <- addr$port
  h$job <- if (is.null(job)) NULL else .rx_name(as.character(job)[[1]])
  h$timeout <- max(1L, as.integer(timeout))
  h$retry <- max(1, retry)
  h$max_retry <- max(h$retry, max_retry)
  h$check_interval <- max(0, check_interval)
  h$backoff <- h$retry   # pause after the next failed attempt
  h$next_try <- 0        # no attempt before this time (seconds since the epoch)
  # What every send reads or updates lives in `w`, an environment without a
  # class: `$` on the classed handle would first look for a `$.rx_handle`
  # method, which costs more than the rest of a send's bookkeeping.
  w <- new.env(parent = emptyenv())
  h$w <- w
  w$con <- NULL           # the socketConnection, NULL while disconnected
  w$left <- 0             # sends before the next check (.rx_check)
  w$bytes <- 0            # bytes that may be written before the next check
  w$every <- 1            # sends between checks, adapted to the send rate
  w$read_at <- 0          # time of the last check
  w$stamp <- ""           # "[YYYY-mm-dd HH:MM:SS] - " of the current second
  w$stamp_sec <- -1       # which second w$stamp shows
  w$names <- character(0) # R name -> sanitized name, for names seen before
  w$sent <- 0             # messages handed to the socket
  w$dropped <- 0          # messages dropped: no connection, or the exporter not reading
  h$warned <- FALSE      # warned about the current outage already
  h$closed <- FALSE      # rx_close() was called
  h$connects <- 0        # successful connections (1 + reconnections)
  class(h) <- "rx_handle"
  # A handle that is garbage collected closes its socket quietly instead of R's
  # "closing unused connection" warning. No "bye": only rx_close() says the
  # job finished; a job that just ends shows as vanished, as it should.
  reg.finalizer(h, function(e) .rx_disconnect(e), onexit = FALSE)
  .rx_connect(h)
  invisible(h)
}

#' Say the job finished and close the handle
#'
#' `rx_close()` sends `bye` (rexporter then shows the job as finished rather
#' than vanished) and closes the socket. Later sends on the handle are
#' dropped. Closing a closed handle does nothing.
#'
#' @param con A handle from [rx_connect()].
#' @return `con`, invisibly.
#' @export
#' @examples
#' con <- suppressWarnings(rx_connect("127.0.0.1", 1))
#' rx_close(con)
#' con
rx_close <- function(con) {
  if (!con$closed) {
    if (.rx_ensure(con)) .rx_put(con, "bye")
    .rx_disconnect(con)
    con$closed <- TRUE
  }
  invisible(con)
}

#' How many messages were sent or dropped
#'
#' `rx_sent()` counts the messages handed to the socket, `rx_dropped()` the
#' messages dropped because there was no connection or the exporter was not
#' reading.
#'
#' @param con A handle from [rx_connect()].
#' @return A number.
#' @export
#' @examples
#' con <- suppressWarnings(rx_connect("127.0.0.1", 1))
#' rx_send(con, x = 1)
#' c(sent = rx_sent(con), dropped = rx_dropped(con))
rx_sent <- function(con) con$w$sent

#' @rdname rx_sent
#' @export
rx_dropped <- function(con) con$w$dropped

#' @export
print.rx_handle <- function(x, ...) {
  state <- if (x$closed) "closed" else if (is.null(x$w$con)) "disconnected" else "connected"
  cat(sprintf("<rexporter %s:%d%s: %s, %d sent, %d dropped>\n", x$host, x$port,
              if (is.null(x$job)) "" else paste0(" job ", x$job), state,
              as.integer(x$w$sent), as.integer(x$w$dropped)))
  invisible(x)
}

# ---- sending values and progress -------------------------------------------

#' Send values to rexporter
#'
#' `rx_send()` sends named values as **one** message, for example
#' `rx_send(con, loss = 0.25, accuracy = 0.9)` sends
#' `[2026-11-25 17:06:16] - loss: 0.25, accuracy: 0.9`.
#'
#' @section What each value becomes:
#' * A number or a logical is written as R prints it (15 significant digits,
#'   `1e+05`, `TRUE`, `NA`, `NaN`, `Inf`), a gauge `<name>` on `/metrics` with
#'   a counter and a histogram. `NA` is a missing value: counted, the gauge
#'   keeps its last value.
#' * A `difftime` is sent in seconds with its unit (`elapsed: 12.5 secs`):
#'   a gauge `<name>_seconds`.
#' * A `POSIXct` is sent as seconds since 1970-01-01 UTC (`started:
#'   1764090376.12346`): a gauge `<name>` holding a Unix timestamp.
#' * A character string or a factor is a state (`status: loading data`): a
#'   gauge `<name>{state="loading data"}` that is 1 for the current state.
#'   Characters rexporter refuses in states become `_`, and a state is cut
#'   to 64 bytes. A state that does not start with a letter, or starts with
#'   a word R uses for numbers (`NA`, `NaN`, `Inf`, `TRUE`, `FALSE`, in any
#'   case), would be read as a number or refused, so it is skipped with a
#'   warning; `NA_character_` is a missing value.
#' * Anything else is skipped with a warning.
#'
#' A vector gives one field per element, named `"<name> <element name or
#' index>"`; an unnamed argument that has names contributes its elements, so
#' `rx_send(con, c(loss = 1, acc = 2))` works too. Characters rexporter
#' refuses in names (`:`, `,`, `{`, `=`, ...) become `_`. The name `job` is
#' reserved (see [rx_connect()]).
#'
#' @section Cost:
#' A send of a few numbers costs about twice a bare
#' `write.socket(s, paste0(...))` (see `r/bench/bench-send.R` in the
#' repository), because it checks the socket (did the exporter close it?
#' is it reading?) only about every `check_interval / 2` (see
#' [rx_connect()]) and after every 4 KB, and writes at once in between. If
#' the exporter dies, the messages sent until the next check are lost
#' (counted as sent); the check then reconnects. If it stops reading, values
#' are dropped without waiting until it reads again; only a single message
#' larger than the room left in the send buffer can wait, at most `timeout`.
#'
#' @param con A handle from [rx_connect()]. When missing (or when it is not a
#'   handle, in which case it is taken as the first value), the R session's
#'   connection is used (see [with_rexporter()]).
#' @param ... Named values: numbers, logicals, `difftime`, `POSIXct`,
#'   character strings or factors.
#' @return `TRUE` when the message was handed to the socket, `FALSE` when it
#'   was dropped (invisibly).
#' @export
#' @examples
#' con <- suppressWarnings(rx_connect("127.0.0.1", 1, job = "example"))
#' t0 <- Sys.time()
#' rx_send(con, loss = 0.25, converged = FALSE, status = "fitting",
#'         elapsed = Sys.time() - t0, started = t0)
#' rx_close(con)
rx_send <- function(con, ...) {
  if (missing(con)) con <- .rx_session_con()
  else if (!is.environment(con)) return(rx_send(.rx_session_con(), con, ...))
  vals <- list(...)
  v <- unlist(vals, use.names = FALSE)
  # The hot path: named plain numbers, one each, under names seen before.
  # Everything else (vectors, NA, logicals, objects, lists, new names) takes the
  # general path below, which gives the same message. (A for loop, not
  # vapply(): it is several times cheaper for a few values.)
  if ((is.double(v) || is.integer(v)) && length(v) == length(vals) && !anyNA(v) &&
      !is.null(nms <- names(vals))) {
    plain <- TRUE
    for (x in vals) if (is.object(x) || !is.numeric(x)) {
      plain <- FALSE
      break
    }
    if (plain) {
      keys <- .subset2(con, "w")$names[nms]
      if (anyNA(keys)) keys <- .rx_learn_names(con, nms)
      if (!is.null(keys)) {
        return(invisible(.rx_send_line(con, paste0(keys, ": ", v, collapse = ", "))))
      }
    }
  }
  fields <- .rx_fields(vals)
  if (length(fields) == 0L) return(invisible(FALSE))
  invisible(.rx_send_line(con, paste(fields, collapse = ", ")))
}

#' Report progress
#'
#' `rx_progress()` reports step `i` of `n` as one field `progress: i/n`,
#' which rexporter turns into the gauges `progress_done` (`i`),
#' `progress_steps` (`n`) and `progress_ratio` (`i/n`).
#'
#' @inheritParams rx_send
#' @param i,n Single numbers: the steps done and the steps in all.
#' @return `TRUE` when the message was handed to the socket, `FALSE` when it
#'   was dropped (invisibly).
#' @seealso [handler_rexporter()] to report progressr's progress.
#' @export
#' @examples
#' con <- suppressWarnings(rx_connect("127.0.0.1", 1))
#' for (i in 1:3) rx_progress(con, i, 3)
#' rx_close(con)
rx_progress <- function(con, i, n) {
  if (missing(con)) {
    con <- .rx_session_con()
  } else if (!is.environment(con)) {   # rx_progress(i, n)
    n <- i
    i <- con
    con <- .rx_session_con()
  }
  if (!(is.numeric(i) || is.logical(i)) || !(is.numeric(n) || is.logical(n)) ||
      length(i) != 1L || length(n) != 1L) {
    warning("rx_progress: i and n must be single numbers; skipped", call. = FALSE)
    return(invisible(FALSE))
  }
  invisible(.rx_send_line(con, paste0("progress: ", .rx_format(as.numeric(i)), "/",
                                      .rx_format(as.numeric(n)))))
}

# .rx_send_line sends one user message, counting it as sent or dropped. This
# is the hot path: most sends only count down `left` (sends) and `bytes` and
# write. When either runs out, .rx_check reads the clock (Sys.time() costs
# as much as the rest of the bookkeeping), checks the socket and refreshes
# the timestamp. While disconnected or while the exporter is not reading,
# `left` stays 0: every send goes through .rx_check.
#
# A write into a dead socket can raise R's "ignoring SIGPIPE signal" error.
# It is caught without tryCatch(), which costs as much as the write itself:
# the calling handler forces the promise `failed`, a default argument and so
# evaluated in this function's frame, whose return() leaves .rx_send_line at
# once (the mechanism of base R's callCC()).
.rx_send_line <- function(h, body, failed = return(.rx_write_failed(h, TRUE))) {
  w <- .subset2(h, "w")
  if (((w$left <- w$left - 1) > 0 && (w$bytes <- w$bytes - nchar(body, "bytes")) >= 0) ||
      .rx_check(h)) {
    withCallingHandlers(writeLines(paste0(w$stamp, body), w$con, useBytes = TRUE),
                        error = function(e) failed)
    w$sent <- w$sent + 1
    return(TRUE)
  }
  w$dropped <- w$dropped + 1
  FALSE
}

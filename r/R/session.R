# ---- the R session's connection and with_rexporter() -----------------------

# The R session's one connection, shared by with_rexporter(),
# handler_rexporter() and rx_send() / rx_progress() called without a handle.
.rx_session <- new.env(parent = emptyenv())

# .rx_session_con returns the session's connection, opening it on first use.
# A job name names it (rexporter moves a connection to the job it names); a
# different address replaces it.
.rx_session_con <- function(job = NULL, host = NULL, port = NULL) {
  h <- .rx_session$con
  addr <- if (is.null(host) && is.null(port)) NULL else .rx_address(host, port)
  if (!is.null(h) && !h$closed &&
      (is.null(addr) || (identical(addr$host, h$host) && identical(addr$port, h$port)))) {
    if (!is.null(job)) .rx_set_job(h, job)
    return(h)
  }
  if (!is.null(h)) .rx_disconnect(h)
  h <- rx_connect(host, port, job = job)
  .rx_session$con <- h
  h
}

# .rx_set_job names the job of a handle, at once when it is connected.
.rx_set_job <- function(h, job) {
  job <- .rx_name(as.character(job)[[1]])
  if (identical(job, h$job)) return(invisible(h))
  h$job <- job
  if (!is.null(h$w$con)) .rx_put(h, paste0("job: ", job))
  invisible(h)
}

#' Run a job that reports to rexporter
#'
#' `with_rexporter()` names the job on the R session's connection (opening
#' it if needed), evaluates `expr`, and then closes the connection. When
#' `expr` returns normally it says `bye` first, so rexporter shows the job as
#' finished; when `expr` signals an error it closes without `bye`, so the
#' job shows as vanished (failed), and the error goes on to the caller.
#'
#' Inside `expr`, [rx_send()] and [rx_progress()] need no handle, and
#' [handler_rexporter()] reports on the same connection.
#'
#' @param expr The job's code.
#' @param job The job's name.
#' @inheritParams rx_connect
#' @return The value of `expr`.
#' @export
#' @examples
#' \donttest{
#' # Without an exporter (none listens on port 1) the values are dropped;
#' # the job runs the same.
#' suppressWarnings(with_rexporter(job = "example", port = 1, {
#'   for (i in 1:3) {
#'     rx_send(loss = 1 / i)
#'     rx_progress(i, 3)
#'   }
#' }))
#' }
with_rexporter <- function(expr, job = NULL, host = NULL, port = NULL) {
  con <- .rx_session_con(job, host, port)
  finished <- FALSE
  on.exit({
    if (finished) rx_close(con) else .rx_abandon(con)
    if (identical(.rx_session$con, con)) .rx_session$con <- NULL
  }, add = TRUE)
  value <- withVisible(expr)
  finished <- TRUE
  if (value$visible) value$value else invisible(value$value)
}

# .rx_abandon closes a handle without "bye": the job shows as vanished.
.rx_abandon <- function(h) {
  .rx_disconnect(h)
  h$closed <- TRUE
  invisible(h)
}

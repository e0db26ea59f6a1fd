# ---- progressr ---------------------------------------------------------------

#' A progressr handler that reports to rexporter
#'
#' `handler_rexporter()` sends every progression of
#' [progressr](https://progressr.futureverse.org) as `progress: step/steps`
#' (rexporter's `progress_done`, `progress_steps` and `progress_ratio`
#' gauges), and, with `message = TRUE`, the progression's message as the
#' state `progress message`. Progress signalled in `future` workers
#' (`future.apply`, `furrr`, `future()`) is relayed by progressr to the main
#' R session, which sends it.
#'
#' Unlike progressr's terminal handlers it reports under a non-interactive
#' `Rscript` too, where batch jobs run: progressr sets the option
#' `progressr.enable` to `interactive()` when it loads, and with it `FALSE`
#' every [progressr::progressor()] is silent, so `handler_rexporter()` sets
#' `options(progressr.enable = TRUE)` (unless `enable = FALSE`). Create the
#' handler before the progressors. All progressions go over the R
#' session's one connection (see [with_rexporter()]), opened at the first
#' one; it never fails the job: without an exporter the values are dropped.
#' The handler does not say `bye`; wrap the job in [with_rexporter()] for
#' that.
#'
#' @param job The job's name, or `NULL` to keep the session connection's.
#' @param message `TRUE` to send each progression's message as a state.
#' @param enable Whether the handler reports; `FALSE` leaves the option
#'   `progressr.enable` alone. The default is the option
#'   `rexporter.progress.enable`, else `TRUE`.
#' @param intrusiveness,target,... Passed to
#'   [progressr::make_progression_handler()].
#' @inheritParams rx_connect
#' @return A progressr handler function.
#' @export
#' @examplesIf requireNamespace("progressr", quietly = TRUE)
#' \donttest{
#' # In a job: progressr::handlers(handler_rexporter(job = "simulate")).
#' # Here the handler is given to one with_progress() call; without an
#' # exporter on port 1 the progress is dropped.
#' old <- options(progressr.enable = getOption("progressr.enable"))
#' suppressWarnings(progressr::with_progress({
#'   p <- progressr::progressor(steps = 3)
#'   for (i in 1:3) p(message = sprintf("step %d", i))
#' }, handlers = handler_rexporter(job = "example", port = 1)))
#' options(old)
#' }
handler_rexporter <- function(job = NULL, host = NULL, port = NULL, message = FALSE,
                              enable = getOption("rexporter.progress.enable", TRUE),
                              intrusiveness = getOption("progressr.intrusiveness.rexporter", 0),
                              target = "file", ...) {
  if (!requireNamespace("progressr", quietly = TRUE)) {
    stop("handler_rexporter() needs the progressr package", call. = FALSE)
  }
  if (isTRUE(enable) && !isTRUE(getOption("progressr.enable"))) {
    options(progressr.enable = TRUE)
  }
  report <- function(config, state, progression, ...) {
    # Never fail the job: a problem here costs a progress value, no more.
    tryCatch({
      con <- .rx_session_con(job, host, port)
      body <- paste0("progress: ", .rx_format(as.numeric(state$step)), "/",
                     .rx_format(as.numeric(config$max_steps)))
      text <- state$message
      if (isTRUE(message) && is.character(text) && length(text) == 1L &&
          !is.na(text) && nzchar(text)) {
        s <- suppressWarnings(.rx_state(text, "message"))
        if (!is.na(s)) body <- paste0(body, ", progress message: ", s)
      }
      .rx_send_line(con, body)
    }, error = function(e) FALSE)
    invisible()
  }
  reporter <- list(initiate = report, update = report, finish = report)
  progressr::make_progression_handler("rexporter", reporter,
                                      intrusiveness = intrusiveness, target = target,
                                      enable = enable, ...)
}

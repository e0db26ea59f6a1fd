#' rexporter: report values and progress from R jobs
#'
#' Sends `name: value` messages from a running R job to
#' [rexporter](https://github.com/rexporter/rexporter), which serves them as
#' Prometheus metrics. Open a handle with [rx_connect()] and report with
#' [rx_send()] and [rx_progress()]; wrap a whole job in [with_rexporter()];
#' or let progressr report for you with [handler_rexporter()].
#'
#' Reporting never stops or stalls the job: an exporter that is down, that
#' restarts or that stops reading costs the job dropped values (counted by
#' [rx_dropped()]), never an error.
#'
#' @section Options and environment variables:
#' The address is the first of: the `host` and `port` arguments; the options
#' `rexporter.host` and `rexporter.port`; the environment variables
#' `REXPORTER_HOST` and `REXPORTER_PORT`; `REXPORTER_ADDR` (`host:port`,
#' `[::1]:6000` or `:6000`); and last `127.0.0.1` and port `6000`.
#'
#' @keywords internal
"_PACKAGE"

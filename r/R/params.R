# ---- run parameters ----------------------------------------------------------

#' State the parameters of a run
#'
#' `rx_params()` states the job's parameters once, for example
#' `rx_params(alpha = 0.05, model = "glm")`. Each becomes a message
#' `run: param alpha=0.05`, and rexporter shows them all as the labels of
#' one series, `rexporter_job_info{r_job="...", param_alpha="0.05",
#' param_model="glm"} 1`, for the dashboard's runs table. Stating a key
#' again changes its value.
#'
#' Under `rexporter run` (which sets the environment variable
#' `REXPORTER_RUN`), the messages are printed on standard output, where
#' `rexporter run` reads them, and no connection is opened; otherwise they
#' are sent on the connection, like [rx_send()].
#'
#' rexporter keeps at most 32 parameters per job, a key as a label name
#' `param_<key>` (made a metric name: `Model Name` gives `param_model_name`)
#' and a value of at most 128 bytes.
#'
#' @inheritParams rx_send
#' @param ... Named single values: numbers, logicals, character strings or
#'   factors. A vector is written with its elements separated by commas.
#' @param stdout Print the messages on standard output instead of sending
#'   them (the default under `rexporter run`).
#' @return `TRUE` when every message was handed on, `FALSE` when one was
#'   dropped (invisibly).
#' @export
#' @examples
#' # Printed, as under `rexporter run`:
#' rx_params(alpha = 0.05, model = "glm", stdout = TRUE)
rx_params <- function(con, ..., stdout = nzchar(Sys.getenv("REXPORTER_RUN"))) {
  if (!missing(con) && !is.environment(con)) return(rx_params(, con, ..., stdout = stdout))
  vals <- list(...)
  if (length(vals) == 0L) return(invisible(TRUE))
  nms <- names(vals)
  if (is.null(nms) || any(!nzchar(nms))) {
    warning("rx_params: every parameter needs a name; unnamed ones skipped", call. = FALSE)
    if (is.null(nms)) return(invisible(FALSE))
    vals <- vals[nzchar(nms)]
    nms <- nms[nzchar(nms)]
  }
  lines <- paste0("run: param ", gsub("=", "_", .rx_param_text(nms), fixed = TRUE), "=",
                  vapply(vals, .rx_param_value, ""))
  if (stdout) {
    cat(lines, sep = "\n")
    return(invisible(TRUE))
  }
  if (missing(con)) con <- .rx_session_con()
  ok <- TRUE
  for (l in lines) ok <- .rx_send_line(con, l) && ok
  invisible(ok)
}

# .rx_param_value writes one parameter's value on one line.
.rx_param_value <- function(x) {
  if (is.factor(x)) x <- as.character(x)
  s <- if (is.numeric(x) || is.logical(x)) .rx_format(x) else as.character(x)
  .rx_param_text(paste(s, collapse = ","))
}

# .rx_param_text keeps a key or value on one line (no control characters).
.rx_param_text <- function(s) gsub("[[:cntrl:]]", " ", s)

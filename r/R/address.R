# ---- address: where the exporter is ----------------------------------------

#' The exporter's address from the arguments, options and environment
#'
#' Each part is the first of: the argument, the option (`rexporter.host`,
#' `rexporter.port`), the environment variable (`REXPORTER_HOST`,
#' `REXPORTER_PORT`), the part of `REXPORTER_ADDR` (`host:port`,
#' `[::1]:6000`, `:6000` or `host`), and the default `127.0.0.1` / `6000`.
#' A port that is not a number between 1 and 65535 gives a warning and the
#' next source is used: a typo in the environment must not fail a job.
#' @return A list with `host` (character) and `port` (integer).
#' @noRd
.rx_address <- function(host = NULL, port = NULL) {
  addr <- .rx_split_addr(Sys.getenv("REXPORTER_ADDR"))
  hosts <- list(host, getOption("rexporter.host"), Sys.getenv("REXPORTER_HOST"),
                addr$host, "127.0.0.1")
  ports <- list(port, getOption("rexporter.port"), Sys.getenv("REXPORTER_PORT"),
                addr$port, 6000L)
  h <- NULL
  for (x in hosts) {
    if (length(x) == 1L && !is.na(x) && nzchar(x)) {
      h <- as.character(x)
      break
    }
  }
  p <- NULL
  for (x in ports) {
    if (length(x) != 1L || is.na(x) || !nzchar(x)) next
    n <- suppressWarnings(as.integer(x))
    if (!is.na(n) && n >= 1L && n <= 65535L) {
      p <- n
      break
    }
    warning(sprintf("rexporter: ignoring port %s (not a number between 1 and 65535)",
                    format(x)), call. = FALSE)
  }
  list(host = h, port = p)
}

# .rx_split_addr splits "host:port", "[v6]:port", ":port" or "host".
.rx_split_addr <- function(addr) {
  addr <- trimws(addr)
  if (!nzchar(addr)) return(list(host = NULL, port = NULL))
  if (startsWith(addr, "[")) {
    end <- regexpr("]", addr, fixed = TRUE)
    host <- substr(addr, 2L, end - 1L)
    rest <- substr(addr, end + 1L, nchar(addr))
    port <- if (startsWith(rest, ":")) substr(rest, 2L, nchar(rest)) else NULL
  } else if (grepl(":", addr, fixed = TRUE)) {
    host <- sub(":[^:]*$", "", addr)
    port <- sub("^.*:", "", addr)
  } else {
    host <- addr
    port <- NULL
  }
  list(host = if (nzchar(host)) host else NULL, port = port)
}

# Helpers that run the real rexporter binary (REXPORTER_BIN) and R jobs in
# child processes, each bounded in time and killed when the test ends.

# skip_if_no_exporter skips a test that needs the binary, saying how to run it.
skip_if_no_exporter <- function() {
  bin <- Sys.getenv("REXPORTER_BIN")
  if (!nzchar(bin) || !file.exists(bin)) {
    skip(paste("REXPORTER_BIN does not name the rexporter binary; build it with",
               "`go build -o /tmp/rexporter ./cmd/rexporter` and set",
               "REXPORTER_BIN=/tmp/rexporter to run the tests against it"))
  }
  skip_if_not_installed("processx")
  bin
}

# free_port returns a loopback port nothing listened on a moment ago.
free_port <- function() {
  for (i in 1:100) {
    p <- sample(20000:60000, 1)
    s <- tryCatch(suppressWarnings(serverSocket(p)), error = function(e) NULL)
    if (!is.null(s)) {
      close(s)
      return(p)
    }
  }
  stop("no free port")
}

# local_exporter starts rexporter on `port` (default: a free one) and stops
# it when the calling test ends. It returns a list with the ingest port, the
# /metrics URL and the processx process.
local_exporter <- function(port = free_port(), env = parent.frame()) {
  bin <- skip_if_no_exporter()
  p <- processx::process$new(bin, c("serve", "--listen", paste0("127.0.0.1:", port),
                                    "--metrics", "127.0.0.1:0", "--log.format", "json"),
                             stdout = "|", stderr = "|", cleanup = TRUE)
  stop_exporter <- function() if (p$is_alive()) p$kill()
  withr::defer(stop_exporter(), envir = env)
  web <- NULL
  log <- character(0)
  deadline <- Sys.time() + 20
  while (is.null(web) && Sys.time() < deadline) {
    p$poll_io(200)
    log <- c(log, p$read_error_lines())
    hit <- regmatches(log, regexpr('"msg":"Listening on".*"address":"[^"]+"', log))
    if (length(hit)) web <- sub('.*"address":"([^"]+)".*', "\\1", hit[[1]])
    if (!p$is_alive()) break
  }
  if (is.null(web)) stop("rexporter did not start:\n", paste(log, collapse = "\n"))
  # The ingest listener is up before the web server; check anyway.
  list(port = port, metrics = paste0("http://", web, "/metrics"), process = p)
}

# scrape returns the exposition of /metrics as lines (character(0) on failure).
scrape <- function(exp) {
  con <- url(exp$metrics)
  on.exit(close(con))
  tryCatch(readLines(con, warn = FALSE), error = function(e) character(0))
}

# sample_value is the value of the sample `name{labels}` in lines, or NA.
# labels is a named character vector; every label of it must match.
sample_value <- function(lines, name, labels = character(0)) {
  lines <- lines[startsWith(lines, paste0(name, "{")) | startsWith(lines, paste0(name, " "))]
  for (l in lines) {
    series <- sub(" [^ ]+$", "", l)
    if (sub("\\{.*", "", series) != name) next
    ok <- all(vapply(names(labels), function(k)
      grepl(sprintf('%s="%s"', k, labels[[k]]), series, fixed = TRUE), NA))
    if (ok) return(as.numeric(sub("^.* ", "", l)))
  }
  NA_real_
}

# wait_for scrapes until cond(lines) is TRUE (at most `timeout` seconds) and
# returns the lines; it fails the test with the last scrape otherwise.
wait_for <- function(exp, what, cond, timeout = 30) {
  deadline <- Sys.time() + timeout
  repeat {
    lines <- scrape(exp)
    if (isTRUE(cond(lines))) return(lines)
    if (Sys.time() > deadline) {
      fail(paste0("timed out waiting for ", what, "; last scrape:\n",
                  paste(grep("^[a-z]", lines, value = TRUE), collapse = "\n")))
      return(lines)
    }
    Sys.sleep(0.1)
  }
}

# r_job starts `code` in a child Rscript with the package loaded and
# REXPORTER_ADDR pointing at `port`; it is killed when the test ends.
r_job <- function(code, port, env = parent.frame()) {
  script <- tempfile(fileext = ".R")
  writeLines(c("library(rexporter)", code), script)
  rscript <- file.path(R.home("bin"), "Rscript")
  p <- processx::process$new(rscript, script, stdout = "|", stderr = "|",
                             env = c("current", REXPORTER_ADDR = paste0("127.0.0.1:", port)),
                             cleanup = TRUE)
  withr::defer(if (p$is_alive()) p$kill(), envir = env)
  p
}

# finish waits for a child job to end (at most `timeout` seconds) and returns
# its exit status, stdout and stderr.
finish <- function(p, timeout = 60) {
  p$wait(timeout * 1000)
  if (p$is_alive()) p$kill()
  list(status = p$get_exit_status(), out = p$read_all_output(), err = p$read_all_error())
}

# withr_local_env_run evaluates expr with REXPORTER_RUN set, as under
# `rexporter run` (without depending on withr).
withr_local_env_run <- function(expr) {
  old <- Sys.getenv("REXPORTER_RUN", unset = NA)
  Sys.setenv(REXPORTER_RUN = "1")
  on.exit(if (is.na(old)) Sys.unsetenv("REXPORTER_RUN") else Sys.setenv(REXPORTER_RUN = old))
  expr
}

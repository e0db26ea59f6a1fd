# handler_rexporter() under a non-interactive R, with future workers.

test_that("progress from two multisession workers arrives through handler_rexporter()", {
  skip_if_not_installed("progressr")
  skip_if_not_installed("future")
  exp <- local_exporter()
  # A child Rscript: non-interactive, as a batch job is, with its own plan.
  job <- r_job(port = exp$port, c(
    "library(future)",
    "plan(multisession, workers = 2)",
    "progressr::handlers(handler_rexporter(job = 'workers', message = TRUE))",
    "pids <- with_rexporter(job = 'workers', progressr::with_progress({",
    "  p <- progressr::progressor(steps = 10)",
    "  fs <- lapply(1:2, function(w) future({",
    "    for (i in 1:5) { p(message = paste('worker', Sys.getpid())); Sys.sleep(0.05) }",
    "    Sys.getpid()",
    "  }, seed = TRUE))",
    "  vapply(fs, value, 0)",
    "}))",
    "plan(sequential)",
    "cat('pids', pids, '\\n')"
  ))
  res <- finish(job, timeout = 120)
  expect_equal(res$status, 0, info = res$err)
  pids <- scan(text = sub("^.*pids ", "", res$out), quiet = TRUE)
  expect_length(unique(pids), 2)

  w <- c(r_job = "workers")
  lines <- wait_for(exp, "all ten steps and the goodbye", function(l)
    identical(sample_value(l, "progress_done", w), 10) &&
      identical(sample_value(l, "rexporter_job_state", c(w, state = "finished")), 1))
  expect_equal(sample_value(lines, "progress_steps", w), 10)
  for (pid in pids) {
    expect_equal(sample_value(lines, "progress_message", c(w, state = paste("worker", pid))) %in% 0:1,
                 TRUE, info = paste("no progress message from worker", pid))
  }
})

test_that("the handler never fails the job when no exporter listens", {
  skip_if_not_installed("progressr")
  withr::local_options(progressr.enable = FALSE)   # as under Rscript
  h <- handler_rexporter(job = "nowhere", port = free_port())
  expect_true(getOption("progressr.enable"))
  session <- rexporter:::.rx_session
  on.exit({
    rexporter:::.rx_abandon(session$con)
    session$con <- NULL
  })
  expect_warning(progressr::with_progress({
    p <- progressr::progressor(steps = 3)
    for (i in 1:3) p()
  }, handlers = h), "cannot connect")
  expect_gt(rx_dropped(session$con), 0)
})

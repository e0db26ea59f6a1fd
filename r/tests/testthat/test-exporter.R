# Values and progress sent through the package arrive on the real binary's
# /metrics (REXPORTER_BIN).

test_that("values, states, durations and progress arrive on /metrics", {
  exp <- local_exporter()
  con <- rx_connect("127.0.0.1", exp$port, job = "metrics test")
  for (i in 1:20) {
    rx_send(con, loss = 1 / i, status = "fitting", elapsed = as.difftime(i, units = "mins"))
    rx_progress(con, i, 20)
  }
  rx_send(con, status = "done")
  rx_close(con)
  expect_equal(rx_sent(con), 41)
  expect_equal(rx_dropped(con), 0)

  job <- c(r_job = "metrics test")
  lines <- wait_for(exp, "the job to finish", function(l)
    identical(sample_value(l, "rexporter_job_state", c(job, state = "finished")), 1))
  expect_equal(sample_value(lines, "loss_messages_total", job), 20)
  expect_equal(sample_value(lines, "loss", job), 1 / 20, tolerance = 1e-12)
  expect_equal(sample_value(lines, "elapsed_seconds", job), 20 * 60)
  expect_equal(sample_value(lines, "progress_done", job), 20)
  expect_equal(sample_value(lines, "progress_ratio", job), 1)
  expect_equal(sample_value(lines, "status", c(job, state = "done")), 1)
  expect_equal(sample_value(lines, "status", c(job, state = "fitting")), 0)
  expect_equal(sum(vapply(c("bad_name", "bad_value", "other"), function(r)
    sample_value(lines, "rexporter_parse_errors_total", c(reason = r)), 0)), 0)
  # All 41 messages went over one connection.
  expect_equal(sample_value(lines, "rexporter_connections_total"), 1)
})

test_that("with_rexporter says bye on success and leaves a failed job vanished", {
  exp <- local_exporter()
  withr::local_options(rexporter.host = "127.0.0.1", rexporter.port = exp$port)
  expect_equal(with_rexporter(job = "good", {
    rx_send(x = 1)
    rx_progress(1, 1)
    42
  }), 42)
  expect_error(with_rexporter(job = "bad", {
    rx_send(x = 2)
    stop("the model diverged")
  }), "diverged")
  lines <- wait_for(exp, "both jobs to end", function(l)
    identical(sample_value(l, "rexporter_job_state", c(r_job = "good", state = "finished")), 1) &&
      identical(sample_value(l, "rexporter_job_state", c(r_job = "bad", state = "vanished")), 1))
  expect_equal(sample_value(lines, "x", c(r_job = "good")), 1)
  expect_equal(sample_value(lines, "x", c(r_job = "bad")), 2)
  expect_equal(sample_value(lines, "rexporter_job_state", c(r_job = "bad", state = "finished")), 0)
})

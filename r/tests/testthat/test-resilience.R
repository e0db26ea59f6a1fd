# The promise: reporting never stops or stalls the job.

# A job that reports every 50 ms until a stop file appears (at most 2,000
# rounds), says goodbye and prints its counts.
loop_job <- function(stop_file) c(
  sprintf("stop_file <- %s", deparse(stop_file)),
  "con <- rx_connect(job = 'resilient')",
  "for (i in 1:2000) {",
  "  if (file.exists(stop_file)) break",
  "  rx_send(con, iteration = i)",
  "  Sys.sleep(0.05)",
  "}",
  "rx_close(con)",
  "cat(sprintf('sent %d, dropped %d\\n', as.integer(rx_sent(con)), as.integer(rx_dropped(con))))"
)

test_that("the exporter killed and restarted mid-job: the job exits 0 and later values arrive", {
  skip_if_no_exporter()
  port <- free_port()
  exp1 <- local_exporter(port)
  stop_file <- tempfile()
  job <- r_job(loop_job(stop_file), port)
  w <- c(r_job = "resilient")
  lines <- wait_for(exp1, "values from the job", function(l)
    isTRUE(sample_value(l, "iteration_messages_total", w) >= 1))

  exp1$process$kill()   # SIGKILL: the connection dies under the job
  exp2 <- local_exporter(port)
  lines <- wait_for(exp2, "values after the restart", function(l)
    isTRUE(sample_value(l, "iteration_messages_total", w) >= 3))
  first <- sample_value(lines, "iteration", w)
  lines <- wait_for(exp2, "later values", function(l)
    isTRUE(sample_value(l, "iteration", w) > first))

  file.create(stop_file)
  res <- finish(job)
  expect_equal(res$status, 0, info = res$err)
  expect_false(grepl("Error|SIGPIPE", res$err), info = res$err)
  wait_for(exp2, "the goodbye", function(l)
    identical(sample_value(l, "rexporter_job_state", c(w, state = "finished")), 1))
})

test_that("an exporter that never starts costs the job nothing but a warning", {
  port <- free_port()   # nothing listens there
  stop_file <- tempfile()
  job <- r_job(c(
    "con <- rx_connect(job = 'alone')",
    "t0 <- Sys.time()",
    "for (i in 1:200) rx_send(con, iteration = i, status = 'working')",
    "rx_close(con)",
    "cat(sprintf('sent %d, dropped %d in %.1f s\\n', as.integer(rx_sent(con)),",
    "            as.integer(rx_dropped(con)), as.numeric(Sys.time() - t0, units = 'secs')))"
  ), port)
  skip_if_not_installed("processx")
  res <- finish(job)
  expect_equal(res$status, 0, info = res$err)
  expect_match(res$out, "sent 0, dropped 200")
  expect_equal(lengths(regmatches(res$err, gregexpr("cannot connect", res$err))), 1)
  secs <- as.numeric(sub(".* in ([0-9.]+) s.*", "\\1", res$out))
  expect_lt(secs, 5)
})

# ha_pair.R: a job that reports to both rexporters of an HA pair through the
# helper, as docs/scaling.md shows: one connection to each, every value sent
# on both.
#   Rscript ha_pair.R HELPER HOST_A PORT_A HOST_B PORT_B ITERATIONS PAUSE JOB
args <- commandArgs(trailingOnly = TRUE)
source(args[[1]])
iterations <- as.integer(args[[6]])
pause <- as.numeric(args[[7]])
job <- args[[8]]

cons <- list(rx_connect(args[[2]], as.integer(args[[3]]), job = job),
             rx_connect(args[[4]], as.integer(args[[5]]), job = job))
# The run's parameters, on both (the dashboard's Runs table shows them).
for (con in cons) rx_params(con, iterations = iterations, pause = pause)
set.seed(1)
for (i in seq_len(iterations)) {
  loss <- 1 / i + runif(1, 0, 0.01)
  for (con in cons) {
    rx_send(con, loss = loss)
    rx_progress(con, i, iterations)
  }
  if (pause > 0) Sys.sleep(pause)
}
for (con in cons) rx_close(con)

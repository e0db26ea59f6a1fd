# demo.R: a small job that reports through rexporter.R.
#   Rscript demo.R [host] [port] [iterations] [sleep seconds] [job]
# (defaults: 127.0.0.1 6000 50 0.2 demo). It fits a straight line by gradient
# descent and reports the loss, the current coefficients and its progress
# (rx_progress: "progress: i/n", which rexporter exposes as progress_done,
# progress_steps and progress_ratio, the dashboard's Progress and ETA).
# Start it before rexporter, or restart rexporter while it runs: it warns,
# goes on, and its values show up again once the exporter is back.
args <- commandArgs(trailingOnly = TRUE)
host <- if (length(args) >= 1) args[[1]] else "127.0.0.1"
port <- if (length(args) >= 2) as.integer(args[[2]]) else 6000L
iterations <- if (length(args) >= 3) as.integer(args[[3]]) else 50L
pause <- if (length(args) >= 4) as.numeric(args[[4]]) else 0.2
job <- if (length(args) >= 5) args[[5]] else "demo"

script <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])
source(file.path(dirname(script), "rexporter.R"))

set.seed(1)
x <- runif(200, 0, 10)
y <- 3 + 2 * x + rnorm(200)
beta <- c(0, 0)
rate <- 0.01

con <- rx_connect(host, port, job = job)
# The run's parameters: rexporter_job_info{param_iterations=..., ...}, the
# dashboard's Runs table.
rx_params(con, iterations = iterations, pause = pause, rate = rate)
for (i in seq_len(iterations)) {
  residual <- y - (beta[1] + beta[2] * x)
  beta <- beta + rate * c(mean(residual), mean(residual * x))
  rx_send(con, loss = mean(residual^2), intercept = beta[1], slope = beta[2])
  rx_progress(con, i, iterations)
  if (pause > 0) Sys.sleep(pause)
}
rx_send(con, converged = abs(beta[2] - 2) < 0.1)
rx_close(con)
cat(sprintf("sent %d, dropped %d\n", as.integer(rx_sent(con)), as.integer(rx_dropped(con))))

# workers.R: several R workers at once, each a job of its own.
#   Rscript workers.R [host] [port] [workers] [messages per worker]
# (defaults: 127.0.0.1 6000 8 1000). parallel::mclapply (part of R) forks the
# workers; each connects through rexporter.R as job "worker-<k>", so its
# values carry r_job="worker-<k>" and the workers' series stay apart. Exits 1
# if a worker failed or dropped a message.
args <- commandArgs(trailingOnly = TRUE)
host <- if (length(args) >= 1) args[[1]] else "127.0.0.1"
port <- if (length(args) >= 2) as.integer(args[[2]]) else 6000L
workers <- if (length(args) >= 3) as.integer(args[[3]]) else 8L
messages <- if (length(args) >= 4) as.integer(args[[4]]) else 1000L

# rexporter.R sits next to this script.
script <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])
source(file.path(dirname(script), "rexporter.R"))

results <- parallel::mclapply(seq_len(workers), function(k) {
  con <- rx_connect(host, port, job = paste0("worker-", k))
  for (i in seq_len(messages)) {
    rx_send(con, "Random Poisson" = rpois(1, 10), iteration = i)
  }
  rx_close(con)
  c(sent = rx_sent(con), dropped = rx_dropped(con))
}, mc.cores = workers)

failed <- vapply(results, function(r) !is.numeric(r), logical(1))
if (any(failed)) {
  cat("workers failed:", which(failed), "\n", file = stderr())
  quit(status = 1)
}
totals <- Reduce(`+`, results)
cat(sprintf("sent %d, dropped %d\n", as.integer(totals[["sent"]]), as.integer(totals[["dropped"]])))
if (totals[["dropped"]] > 0) quit(status = 1)

# writelines.R: the blog's client with newline-terminated messages.
#   Rscript writelines.R [host] [port] [messages] [sleep seconds]
# (defaults: 127.0.0.1 6000 10 0). socketConnection + writeLines: each message
# goes out as one write that ends with "\n", so rexporter needs neither record
# splitting nor the quiet gap. Each message carries the iteration, so the
# gauge `iteration` ends at the number of messages sent.
args <- commandArgs(trailingOnly = TRUE)
host <- if (length(args) >= 1) args[[1]] else "127.0.0.1"
port <- if (length(args) >= 2) as.integer(args[[2]]) else 6000L
messages <- if (length(args) >= 3) as.integer(args[[3]]) else 10L
pause <- if (length(args) >= 4) as.numeric(args[[4]]) else 0

con <- socketConnection(host = host, port = port, open = "w")
for (ii in seq_len(messages)) {
  writeLines(paste0("[", Sys.time(), "] - iteration: ", ii, ", Random Poisson: ", rpois(1, 10)), con)
  if (pause > 0) Sys.sleep(pause)
}
close(con)

# cat.R: messages written with cat(msg, "\n", file = con).
#   Rscript cat.R [host] [port] [messages] [sleep seconds]
# (defaults: 127.0.0.1 6000 10 0). cat() writes its arguments one at a time,
# so each message arrives in pieces: the text, the " " separator, the "\n".
# rexporter joins them into one message (the newline ends it).
args <- commandArgs(trailingOnly = TRUE)
host <- if (length(args) >= 1) args[[1]] else "127.0.0.1"
port <- if (length(args) >= 2) as.integer(args[[2]]) else 6000L
messages <- if (length(args) >= 3) as.integer(args[[3]]) else 10L
pause <- if (length(args) >= 4) as.numeric(args[[4]]) else 0

con <- socketConnection(host = host, port = port, open = "w")
for (ii in seq_len(messages)) {
  cat(paste0("[", Sys.time(), "] - iteration: ", ii), "\n", file = con)
  if (pause > 0) Sys.sleep(pause)
}
close(con)

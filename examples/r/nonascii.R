# nonascii.R: a non-ASCII name, sent in the encoding of R's locale.
#   Rscript nonascii.R [host] [port]
# The name is written with an escape, so this file is plain ASCII and R knows
# the string is UTF-8. writeLines translates it to the native encoding: UTF-8
# bytes in a UTF-8 locale (LC_ALL=C.UTF-8), one latin1 byte 0xE9 for "é" in a
# latin1 locale (LC_ALL=fr_FR.ISO-8859-1). rexporter reads both as
# "Température", metric `temperature`.
args <- commandArgs(trailingOnly = TRUE)
host <- if (length(args) >= 1) args[[1]] else "127.0.0.1"
port <- if (length(args) >= 2) as.integer(args[[2]]) else 6000L

con <- socketConnection(host = host, port = port, open = "w")
writeLines(paste0("[", Sys.time(), "] - Temp\u00e9rature: ", 21.5), con)
close(con)

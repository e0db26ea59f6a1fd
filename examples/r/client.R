# client.R: Example of socket client and message generating logic.
#
# The blog post's client, unchanged but for what it reads from its arguments:
#   Rscript client.R [host] [port] [iterations] [sleep seconds] [seed]
# (defaults: localhost 6000 10 1, no seed). make.socket + write.socket, so
# messages go out with no terminator, exactly as in the blog.
args <- commandArgs(trailingOnly = TRUE)
host <- if (length(args) >= 1) args[[1]] else "localhost"
port <- if (length(args) >= 2) as.integer(args[[2]]) else 6000L
iterations <- if (length(args) >= 3) as.integer(args[[3]]) else 10L
pause <- if (length(args) >= 4) as.numeric(args[[4]]) else 1
if (length(args) >= 5) set.seed(as.integer(args[[5]]))

clientSocket = make.socket(host=host, port=port, server=FALSE)

for (ii in 1:iterations) {
    rp = rpois(1,10)
    msg = paste0("[",Sys.time(), "] - Random Poisson: ", rp)
    write.socket(clientSocket, msg)
    if (pause > 0) Sys.sleep(pause)
}

close.socket(clientSocket)

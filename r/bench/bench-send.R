# bench-send.R: what one rx_send() costs, next to a bare write.socket().
#
#   REXPORTER_BIN=/path/to/rexporter Rscript r/bench/bench-send.R [N] [rounds]
#   REXPORTER_ADDR=127.0.0.1:6000    Rscript r/bench/bench-send.R [N] [rounds]
#
# With REXPORTER_BIN it starts that binary on free loopback ports (needs
# processx); with an address it uses a running exporter. It times N sends of
# one value and of three values, each way, `rounds` times (default 10,
# N = 10000), and prints the best round's CPU microseconds per call: the
# best, and CPU rather than elapsed time, because a busy machine only ever
# adds time. Set RX_BENCH_HELPER to the
# path of a sourced helper (an old examples/r/rexporter.R) to time it too.
# Run it from the repository root, or with the package installed.
args <- commandArgs(trailingOnly = TRUE)
n <- if (length(args) >= 1) as.integer(args[[1]]) else 10000L
rounds <- if (length(args) >= 2) as.integer(args[[2]]) else 10L

if (requireNamespace("rexporter", quietly = TRUE)) {
  library(rexporter)
} else {
  for (f in list.files("r/R", full.names = TRUE)) source(f)
}

bin <- Sys.getenv("REXPORTER_BIN")
if (nzchar(bin)) {
  free_port <- function() {
    for (i in 1:50) {
      p <- sample(20000:60000, 1)
      s <- tryCatch(suppressWarnings(serverSocket(p)), error = function(e) NULL)
      if (!is.null(s)) { close(s); return(p) }
    }
    stop("no free port")
  }
  port <- free_port()
  proc <- processx::process$new(bin, c("serve", "--listen", paste0("127.0.0.1:", port),
                                       "--metrics", paste0("127.0.0.1:", free_port()),
                                       "--log.level", "warn"))
  on.exit(proc$kill(), add = TRUE)
  host <- "127.0.0.1"
  for (i in 1:100) {   # wait until it listens
    s <- tryCatch(suppressWarnings(socketConnection(host, port, open = "a+b", timeout = 1)),
                  error = function(e) NULL)
    if (!is.null(s)) { close(s); break }
    Sys.sleep(0.05)
  }
} else {
  addr <- rexporter:::.rx_address()
  host <- addr$host
  port <- addr$port
}

# cpu is the CPU time (user + system) R has used: unlike the elapsed time it
# does not count the moments a busy machine gives the CPU to others.
cpu <- function() {
  t <- proc.time()
  t[["user.self"]] + t[["sys.self"]]
}

# time runs every case `rounds` times, the cases interleaved so that a busy
# spell hits them alike, and keeps each case's best round.
time <- function(cases) {
  best <- rep(Inf, length(cases))
  for (r in seq_len(rounds)) {
    for (k in seq_along(cases)) {
      f <- cases[[k]]
      t0 <- cpu()
      for (i in seq_len(n)) f(i)
      best[[k]] <- min(best[[k]], cpu() - t0)
    }
  }
  setNames(best / n * 1e6, names(cases))
}

s <- make.socket(host, port)
con <- rx_connect(host, port, job = "bench")
cases <- list(
  "write.socket(s, paste0(...)), 1 value" = function(i) write.socket(s, paste0("loss: ", i / n, "\n")),
  "rx_send(con, ...), 1 value" = function(i) rx_send(con, loss = i / n),
  "write.socket(s, paste0(...)), 3 values" = function(i)
    write.socket(s, paste0("loss: ", i / n, ", accuracy: ", 1 - i / n, ", iteration: ", i, "\n")),
  "rx_send(con, ...), 3 values" = function(i) rx_send(con, loss = i / n, accuracy = 1 - i / n, iteration = i)
)
helper <- Sys.getenv("RX_BENCH_HELPER")
if (nzchar(helper)) {
  old <- new.env()
  sys.source(helper, envir = old)
  ocon <- old$rx_connect(host, port, job = "bench-old")
  cases[["sourced helper rx_send, 1 value"]] <- function(i) old$rx_send(ocon, loss = i / n)
  cases[["sourced helper rx_send, 3 values"]] <- function(i)
    old$rx_send(ocon, loss = i / n, accuracy = 1 - i / n, iteration = i)
}
cases <- lapply(cases, compiler::cmpfun)
us <- time(cases)
cat(sprintf("%d sends per round, best of %d rounds (CPU time), R %s\n", n, rounds, getRversion()))
cat(sprintf("%-42s %8.1f us/call\n", names(us), us), sep = "")
cat(sprintf("rx_send / write.socket: %.2f (1 value), %.2f (3 values)\n",
            us[[2]] / us[[1]], us[[4]] / us[[3]]))
cat(sprintf("rx_send: %d sent, %d dropped\n", as.integer(rx_sent(con)), as.integer(rx_dropped(con))))
rx_close(con)
invisible(close.socket(s))

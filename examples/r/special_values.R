# special_values.R: R's special values, formatted by paste0 as R prints them.
#   Rscript special_values.R [host] [port]
# One name each, one message each, newline-terminated:
#   Missing: NA            -> counted in rexporter_missing_values_total, no gauge
#   Not a number: NaN      -> gauge NaN (the histogram skips it)
#   Positive infinity: Inf, Negative infinity: -Inf
#   Converged: TRUE        -> 1
#   Hundred thousand: 1e+05, Ten thousandth: 1e-04
#   Pi: 3.14159265358979   (15 significant digits)
#   Kept: 3, then Kept: NA -> the gauge keeps 3
args <- commandArgs(trailingOnly = TRUE)
host <- if (length(args) >= 1) args[[1]] else "127.0.0.1"
port <- if (length(args) >= 2) as.integer(args[[2]]) else 6000L

values <- list(
  "Missing" = NA,
  "Not a number" = NaN,
  "Positive infinity" = Inf,
  "Negative infinity" = -Inf,
  "Converged" = TRUE,
  "Hundred thousand" = 1e5,
  "Ten thousandth" = 1e-4,
  "Pi" = pi,
  "Kept" = 3,
  "Kept" = NA
)
con <- socketConnection(host = host, port = port, open = "w")
for (k in seq_along(values)) {
  writeLines(paste0("[", Sys.time(), "] - ", names(values)[[k]], ": ", values[[k]]), con)
}
close(con)

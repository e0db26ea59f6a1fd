# corpus.R: what ordinary R code prints, sent to rexporter the ways R sends.
#   Rscript corpus.R PORT SCENARIO TRANSPORT
# TRANSPORT is one of
#   write.socket        make.socket + write.socket, no terminator, with the
#                       blog's "[Sys.time()] - " prefix
#   write.socket-bare   the same without any timestamp
#   writeLines          socketConnection + writeLines ("\n" at the end)
#   cat                 socketConnection + cat(msg, "\n"): text, separator and
#                       newline in separate writes
# Every message goes out at full speed. On stdout the script prints what it
# sent, for the test to check against /metrics:
#   SENT <n>                     messages sent
#   FIELD <tab> name <tab> value  a field that must arrive (the last one of a
#                                 name is the gauge's value)
args <- commandArgs(trailingOnly = TRUE)
port <- as.integer(args[[1]])
scenario <- args[[2]]
transport <- args[[3]]

fields <- list()
expect <- function(name, value) {
  cat("FIELD\t", name, "\t", value, "\n", sep = "")
}

# --- the scenarios: each returns the messages to send ------------------------
msgs <- switch(scenario,
  # coef() of a model with factors and an interaction: (Intercept),
  # factor(cyl)6, wt:hp. One message per fit, on three subsets.
  coef = {
    out <- character()
    for (am in c(0, 1, NA)) {
      d <- if (is.na(am)) mtcars else mtcars[mtcars$am == am, ]
      cf <- coef(lm(mpg ~ factor(cyl) + wt * hp, data = d))
      cf <- cf[!is.na(cf)]
      v <- as.character(cf)
      out <- c(out, paste(names(cf), v, sep = ": ", collapse = ", "))
    }
    for (i in seq_along(cf)) expect(names(cf)[i], v[i])
    out
  },
  # summary()'s coefficient table, one field per message: names like
  # "wt:hp Pr(>|t|)" and "factor(cyl)6 Std. Error".
  summary = {
    s <- summary(lm(mpg ~ factor(cyl) + wt * hp, data = mtcars))$coefficients
    out <- character()
    for (i in seq_len(nrow(s))) for (j in seq_len(ncol(s))) {
      name <- paste(rownames(s)[i], colnames(s)[j])
      v <- as.character(s[i, j])
      out <- c(out, paste0(name, ": ", v))
      expect(name, v)
    }
    out
  },
  # Stan/JAGS-style indexed parameters, 50 draws of three.
  stan = {
    set.seed(1)
    out <- character()
    for (k in 1:50) {
      d <- as.character(rnorm(3))
      out <- c(out, paste0("beta[", 1:3, "]: ", d, collapse = ", "))
    }
    for (i in 1:3) expect(paste0("beta[", i, "]"), d[i])
    out
  },
  # format(big.mark = ",") beside an ordinary number.
  bigmark = {
    expect("Rows", "1234567"); expect("Loss", "0.5"); expect("Bytes read", "1234.5")
    c(paste0("Rows: ", format(1234567, big.mark = ","), ", Loss: 0.5"),
      paste0("Bytes read: ", format(1234.5, big.mark = ",", nsmall = 1)))
  },
  # A name with every ASCII punctuation character but the separators , ; (those
  # are sent in the "separators" scenario): p01!x, p02"x, ...
  punctuation = {
    chars <- strsplit("!\"#$%&'()*+-./:<=>?@[\\]^_`{|}~", "")[[1]]
    out <- character()
    for (i in seq_along(chars)) {
      name <- sprintf("p%02d%sx", i, chars[[i]])
      out <- c(out, paste0(name, ": ", i))
      expect(name, as.character(i))
    }
    out
  },
  # A bracketed date inside a message is not a new record.
  dates = {
    expect("Loss", "0.25"); expect("Epoch", "3")
    c("Checkpoint: [2026-12-01] saved, Loss: 0.25",
      "Epoch: 3, Note: [2026-12-01 10:00:00] restarted")
  },
  # options(OutDec = ","): 0,5 must be neither 0 nor 5.
  outdec = {
    op <- options(OutDec = ",")
    m <- c(paste0("x: ", 0.5), paste0("y: ", 2))
    options(op)
    expect("y", "2")
    m
  },
  # The blog's loop without a timestamp (nor Sys.sleep): 1000 messages.
  loop = {
    expect("Mean", as.character(1000 / 8))
    paste0("Mean: ", (1:1000) / 8)
  },
  stop("unknown scenario ", scenario)
)

# --- sending -------------------------------------------------------------------
if (startsWith(transport, "write.socket")) {
  s <- make.socket("127.0.0.1", port)
  for (m in msgs) {
    if (transport == "write.socket") m <- paste0("[", Sys.time(), "] - ", m)
    write.socket(s, m)
  }
  close.socket(s)
} else {
  con <- socketConnection("127.0.0.1", port, open = "w")
  for (m in msgs) {
    if (transport == "writeLines") writeLines(m, con) else cat(m, "\n", file = con)
  }
  close(con)
}
cat("SENT", length(msgs), "\n")

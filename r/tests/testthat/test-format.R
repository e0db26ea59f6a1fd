# What rx_send() puts on the wire, read by a plain server socket (no binary).

# wire sends with `f(con)` to a listening socket and returns the lines received.
wire <- function(f, job = NULL) {
  port <- free_port()
  srv <- serverSocket(port)
  on.exit(close(srv))
  con <- rx_connect("127.0.0.1", port, job = job)
  f(con)
  rx_close(con)
  s <- socketAccept(srv, blocking = TRUE, open = "r+b", timeout = 5)
  on.exit(close(s), add = TRUE)
  lines <- readLines(s, warn = FALSE)
  sub("^\\[[0-9 :-]+\\] - ", "", lines)
}

test_that("numbers and logicals are written as R prints them, in one message", {
  got <- wire(function(con) {
    expect_true(rx_send(con, loss = 0.25, n = 3L, big = 1e5, tiny = 1e-4, ok = TRUE))
    rx_send(con, m = NA, nan = NaN, inf = Inf, ninf = -Inf)
    rx_send(con, c(a = 1, b = 2), v = c(x = 1, y = 2), w = 1:2)
  })
  expect_equal(got, c("loss: 0.25, n: 3, big: 1e+05, tiny: 1e-04, ok: TRUE",
                      "m: NA, nan: NaN, inf: Inf, ninf: -Inf",
                      "a: 1, b: 2, v x: 1, v y: 2, w 1: 1, w 2: 2",
                      "bye"))
})

test_that("the hot path and the general path write the same message", {
  got <- wire(function(con) {
    rx_send(con, "Random Poisson" = 11, pi = pi)   # learns the names
    rx_send(con, "Random Poisson" = 11, pi = pi)   # cached names
    rx_send(con, "Random Poisson" = 11L, pi = pi, z = NA)   # general path
  })
  expect_equal(got[1:2], rep("Random Poisson: 11, pi: 3.14159265358979", 2))
  expect_equal(got[3], "Random Poisson: 11, pi: 3.14159265358979, z: NA")
})

test_that("difftime, POSIXct and character values", {
  t0 <- as.POSIXct("2026-11-25 17:06:16", tz = "UTC")
  got <- wire(function(con) {
    rx_send(con, elapsed = as.difftime(1.5, units = "mins"), started = t0,
            status = "loading data", f = factor("fitting"), gone = NA_character_)
    rx_send(con, secs = as.difftime(c(a = 2, b = NA), units = "secs"))
  })
  expect_equal(got[1], paste0("elapsed: 90 secs, started: ", as.numeric(t0),
                              ", status: loading data, f: fitting, gone: NA"))
  expect_equal(got[2], "secs a: 2 secs, secs b: NA secs")
})

test_that("states rexporter would refuse are cleaned or skipped with a warning", {
  expect_equal(rexporter:::.rx_state("50% done: a, b", "s"), NA_character_) |>
    expect_warning("must start with a letter")
  expect_equal(rexporter:::.rx_state("step 5/10: a, b=c", "s"), "step 5/10_ a_ b_c")
  expect_warning(expect_equal(rexporter:::.rx_state(c("true story", "Inf loop"), "s"),
                              c(NA_character_, NA_character_)), "NA, NaN, Inf")
  long <- strrep("\u00e9", 40)   # 80 bytes in UTF-8
  cut <- rexporter:::.rx_state(long, "s")
  expect_equal(nchar(cut, "bytes"), 64L)
  expect_true(validUTF8(cut))
})

test_that("names are cleaned, job is reserved, unsupported values are skipped", {
  expect_equal(rexporter:::.rx_name(c("a:b,c", "x{y}=1", "Temp\u00e9rature", "(Intercept)", "wt:hp",
                                     "beta[1]", "a: b", "x;y", "end:")),
               c("a:b_c", "x{y}=1", "Temp\u00e9rature", "(Intercept)", "wt:hp",
                 "beta[1]", "a_ b", "x_y", "end_"))
  got <- wire(function(con) {
    expect_warning(rx_send(con, job = 1, ok = 1), "reserved")
    expect_warning(expect_false(rx_send(con, l = list(1))), "skipped")
    expect_warning(rx_send(con, 5), "no name")
  })
  expect_equal(got, c("ok: 1", "bye"))
})

test_that("the job is named first and progress is one field", {
  got <- wire(function(con) rx_progress(con, 3, 10), job = "fit: model")
  expect_equal(got, c("job: fit_ model", "progress: 3/10", "bye"))
})

test_that("the address comes from arguments, options and the environment", {
  addr <- rexporter:::.rx_address
  old <- Sys.getenv(c("REXPORTER_HOST", "REXPORTER_PORT", "REXPORTER_ADDR"), unset = NA)
  on.exit({
    for (k in names(old)) if (is.na(old[[k]])) Sys.unsetenv(k) else do.call(Sys.setenv, as.list(old[k]))
    options(rexporter.host = NULL, rexporter.port = NULL)
  })
  Sys.unsetenv(names(old))
  expect_equal(addr(), list(host = "127.0.0.1", port = 6000L))
  Sys.setenv(REXPORTER_ADDR = "exporter.example:7000")
  expect_equal(addr(), list(host = "exporter.example", port = 7000L))
  Sys.setenv(REXPORTER_ADDR = "[::1]:7001")
  expect_equal(addr(), list(host = "::1", port = 7001L))
  Sys.setenv(REXPORTER_HOST = "h", REXPORTER_PORT = "7002")
  expect_equal(addr(), list(host = "h", port = 7002L))
  options(rexporter.host = "o", rexporter.port = 7003)
  expect_equal(addr(), list(host = "o", port = 7003L))
  expect_equal(addr("a", 7004), list(host = "a", port = 7004L))
  options(rexporter.port = NULL)
  Sys.setenv(REXPORTER_PORT = "nope")
  expect_warning(expect_equal(addr()$port, 7001L), "ignoring port")
})

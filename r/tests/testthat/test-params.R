# rx_params(): one "run: param key=value" message per parameter.

test_that("parameters are printed under rexporter run", {
  out <- withr_local_env_run(capture.output(
    rx_params(alpha = 0.05, n = 100L, ok = TRUE, model = "glm (binomial), w", f = factor("a"),
              seeds = 1:3, `a=b` = "x\ny")
  ))
  expect_equal(out, c("run: param alpha=0.05", "run: param n=100", "run: param ok=TRUE",
                      "run: param model=glm (binomial), w", "run: param f=a",
                      "run: param seeds=1,2,3", "run: param a_b=x y"))
})

test_that("parameters are sent on a connection", {
  port <- free_port()
  srv <- serverSocket(port)
  on.exit(close(srv))
  con <- rx_connect("127.0.0.1", port)
  expect_true(rx_params(con, alpha = 0.5, stdout = FALSE))
  rx_close(con)
  s <- socketAccept(srv, blocking = TRUE, open = "r+b", timeout = 5)
  on.exit(close(s), add = TRUE)
  got <- sub("^\\[[0-9 :-]+\\] - ", "", readLines(s, warn = FALSE))
  expect_equal(got, c("run: param alpha=0.5", "bye"))
})

test_that("unnamed parameters are skipped with a warning", {
  expect_warning(out <- capture.output(rx_params(1, b = 2, stdout = TRUE)), "needs a name")
  expect_equal(out, "run: param b=2")
})

# optim(method = "BFGS") and nlminb traces of the Rosenbrock function.
fr <- function(x) 100 * (x[2] - x[1]^2)^2 + (1 - x[1])^2
cat("starting optim at 2026-11-25 17:06:16\n")
invisible(optim(c(-1.2, 1), fr, method = "BFGS", control = list(trace = 1, REPORT = 5)))
cat("starting nlminb\n")
invisible(nlminb(c(-1.2, 1), fr, control = list(trace = 5)))
cat("  12:30: meeting notes\n")
cat("10: 7.5 and more\n")

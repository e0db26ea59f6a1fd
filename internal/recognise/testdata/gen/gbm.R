# gbm(verbose = TRUE): a table with a header row, then one row per reported iteration.
set.seed(1)
suppressMessages(library(gbm))
n <- 500
d <- data.frame(x1 = runif(n), x2 = runif(n))
d$y <- d$x1 + 2 * d$x2 + rnorm(n, sd = 0.1)
cat("Iter count 12 and 0.5 step\n")
fit <- gbm(y ~ x1 + x2, data = d, distribution = "gaussian", n.trees = 100,
           train.fraction = 0.8, verbose = TRUE)
cat("     1        1.2345\n")

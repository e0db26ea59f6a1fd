# nnet's fit trace (iter / value lines) around the job's own log lines.
set.seed(1)
suppressMessages(library(nnet))
cat("loading data: 150 rows, 5 columns\n")
cat("the iter 10 value was 3 in the last run\n")
fit <- nnet(Species ~ ., data = iris, size = 2, maxit = 60, trace = TRUE)
cat("iter 10 value\n")
cat("done: 60 iterations, value 3.2\n")

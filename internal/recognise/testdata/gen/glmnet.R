# glmnet(trace.it = 1) and cv.glmnet(trace.it = 1): txtProgressBar(style = 3) redrawn with \r.
set.seed(1)
suppressMessages(library(glmnet))
x <- matrix(rnorm(100 * 20), 100, 20)
y <- rnorm(100)
fit <- glmnet(x, y, trace.it = 1)
cv <- cv.glmnet(x, y, trace.it = 1, nfolds = 3)
cat("|a table | 12%\n")

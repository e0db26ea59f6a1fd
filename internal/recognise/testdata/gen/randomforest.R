# randomForest(do.trace = 10): classification (ntree OOB 1 2 3) and regression tables.
set.seed(1)
suppressMessages(library(randomForest))
cat("   10:   7.43%  0.00%\n")
rf <- randomForest(Species ~ ., data = iris, ntree = 50, do.trace = 10)
cat("fitting the regression forest\n")
rf2 <- randomForest(mpg ~ ., data = mtcars, ntree = 30, do.trace = 10)
cat("ntree is 50\n")
